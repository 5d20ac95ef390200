package io.packyard.bundle.stage;

import io.packyard.bundle.interpreter.ElfFile;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Keeps the build machine out of the bundle's ELF files: search-path entries (DT_RUNPATH,
 * DT_RPATH) that are not relative to the file itself ({@code $ORIGIN}) are removed. An extension
 * module compiled against a pyenv CPython, say, carries {@code RUNPATH=/root/.pyenv/.../lib}; on
 * the target that path is at best missing and at worst a place to plant a library. Extension
 * modules find libpython through the already-loaded interpreter, so nothing is lost.
 */
public final class SearchPaths {
    private final Progress progress;

    public SearchPaths(Progress progress) {
        this.progress = progress;
    }

    /** Cleans every ELF file under {@code root}; returns the bundle-relative paths changed. */
    public List<String> clean(Path root) {
        List<String> changed = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                if (!ElfFile.isElf(p)) {
                    continue;
                }
                ElfFile.Rewrite r = ElfFile.rewriteSearchPath(p, SearchPaths::relativeOnly);
                if (r.changed()) {
                    String rel = root.relativize(p).toString().replace('\\', '/');
                    changed.add(rel);
                    progress.warn(rel + ": removed the build machine's library search path " + r.before().orElse("")
                            + (r.after().map(a -> " (kept " + a + ")").orElse("")));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return changed;
    }

    /** The entries of a ':'-separated search path that start with $ORIGIN. */
    static String relativeOnly(String searchPath) {
        return Stream.of(searchPath.split(":"))
                .filter(e -> e.startsWith("$ORIGIN") || e.startsWith("${ORIGIN}"))
                .collect(Collectors.joining(":"));
    }
}
