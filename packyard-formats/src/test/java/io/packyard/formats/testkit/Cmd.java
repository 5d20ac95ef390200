package io.packyard.formats.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external tool for a test and captures what it printed. */
public final class Cmd {
    private Cmd() {}

    /** What a finished process left behind. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** Fails the test unless the process exited with 0. */
        public Result ok() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exitCode
                        + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr);
            }
            return this;
        }

        public String output() {
            return stdout + stderr;
        }
    }

    public static Result run(String... command) {
        return run(List.of(command), Map.of(), null);
    }

    /**
     * Where commands run unless told otherwise: a scratch directory, never the module's own, since
     * some tools write beside themselves (msitools' {@code msiinfo export} and {@code msidump}
     * write binary cells to {@code ./Table/} whatever {@code -d} says).
     */
    private static final Path SCRATCH = scratch();

    private static Path scratch() {
        try {
            Path d = Files.createTempDirectory("packyard-cmd-cwd-");
            d.toFile().deleteOnExit();
            return d;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Result run(List<String> command, Map<String, String> env, Path dir) {
        try {
            Path out = Files.createTempFile("packyard-cmd-", ".out");
            Path err = Files.createTempFile("packyard-cmd-", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().putAll(env);
                pb.directory((dir != null ? dir : SCRATCH).toFile());
                Process p = pb.start();
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + command);
                }
                return new Result(List.copyOf(command), p.exitValue(),
                        new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
                        new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** True if {@code tool} is on PATH. */
    public static boolean available(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
