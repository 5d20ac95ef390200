package io.packyard.python.util;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Finding the build machine's programs (strip, xz, ...) the way a shell does: the first executable on PATH. */
public final class Executables {
    private Executables() {}

    /** The first executable file called {@code name} in the directories of the process's PATH. */
    public static Optional<Path> onPath(String name) {
        return onPath(name, System.getenv());
    }

    /** The first executable file called {@code name} in the directories of {@code env}'s PATH. */
    public static Optional<Path> onPath(String name, Map<String, String> env) {
        String path = env.get("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            try {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            } catch (InvalidPathException e) {
                // an unusable PATH entry: skipped, as a shell would
            }
        }
        return Optional.empty();
    }
}
