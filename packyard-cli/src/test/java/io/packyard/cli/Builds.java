package io.packyard.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the examples once per test run through the real CLI ({@link Main#run}), shared by the
 * system test classes: a build takes about a minute, so each distinct build happens once.
 */
final class Builds {
    /** SOURCE_DATE_EPOCH of every test build. */
    static final long EPOCH = 1700000000L;
    static final Path REPO = findRepo();
    static final Path OUT = REPO.resolve("packyard-cli").resolve(System.getProperty("packyard.build.dir", "target"))
            .resolve("system-test-builds");

    private static final Map<String, Path> DONE = new HashMap<>();

    record Cli(int exit, String out, String err) {}

    private Builds() {}

    /**
     * The output directory of {@code packyard build <project> args...}, built on first use. The
     * build must succeed.
     */
    static synchronized Path build(String key, String project, String... args) {
        return DONE.computeIfAbsent(key, k -> {
            Path out = OUT.resolve(k);
            List<String> a = new ArrayList<>(List.of("build", REPO.resolve(project).toString(), "--out", out.toString(),
                    "--source-date-epoch", Long.toString(EPOCH), "--quiet"));
            a.addAll(List.of(args));
            Cli r = cli(a.toArray(String[]::new));
            if (r.exit() != 0) {
                throw new AssertionError("packyard build " + project + " failed (" + r.exit() + "):\n" + r.err());
            }
            return out;
        });
    }

    /** The one file in {@code dir} whose name ends with {@code suffix}. */
    static Path file(Path dir, String suffix) {
        try (var s = Files.list(dir)) {
            List<Path> m = s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
            if (m.size() != 1) {
                throw new AssertionError("expected one *" + suffix + " in " + dir + ", found " + m);
            }
            return m.get(0);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static Cli cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(exit, out.toString(), err.toString());
    }

    private static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root (no examples/ above " + Path.of("").toAbsolutePath() + ")");
        }
        return p;
    }
}
