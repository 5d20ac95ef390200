package io.packyard.formats.testkit;

import io.packyard.bundle.Bundle;
import io.packyard.formats.PackageFormat;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds packages the way the CLI does and drives package managers for tests. */
public final class Packages {
    private Packages() {}

    /** Writes {@code bundle} with {@code format} into {@code dir} under its conventional name. */
    public static Path build(PackageFormat format, Bundle bundle, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".tmp-" + format.fileName(bundle));
        format.write(bundle, tmp, Progress.NONE);
        Path out = dir.resolve(format.fileName(bundle));
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
        return out;
    }

    public static boolean isRoot() {
        return Cmd.available("id") && Cmd.run("id", "-u").stdout().trim().equals("0");
    }

    /**
     * Runs a dpkg or rpm command, retrying while another process (another test on this machine)
     * holds the package database lock.
     */
    public static Cmd.Result packageManager(Map<String, String> env, String... command) {
        Cmd.Result r = null;
        for (int attempt = 0; attempt < 120; attempt++) {
            r = Cmd.run(List.of(command), env, null);
            String out = r.output();
            boolean locked = r.exitCode() != 0
                    && (out.contains("lock") && (out.contains("dpkg") || out.contains("rpmdb") || out.contains("database")));
            if (!locked) {
                return r;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return r;
    }

    public static Cmd.Result packageManager(String... command) {
        return packageManager(Map.of(), command);
    }

    /** Every path under {@code dir}, relative, sorted; empty if it does not exist. */
    public static List<String> listTree(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (var s = Files.walk(dir)) {
            s.forEach(p -> out.add(dir.relativize(p).toString()));
        }
        out.sort(null);
        return out;
    }
}
