package io.packyard.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs real system tools (dpkg, rpm, lintian, installed commands) for the system tests. */
final class Sh {
    record Result(int exit, String output) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + ":\n" + output);
            }
            return this;
        }
    }

    private Sh() {}

    static Result run(String... cmd) {
        return run(Map.of(), null, List.of(cmd));
    }

    /** Runs {@code sh -c script}. */
    static Result sh(String script) {
        return run(Map.of(), null, List.of("sh", "-c", script));
    }

    /** Runs with a clean environment holding only {@code env}. */
    static Result runClean(Map<String, String> env, String... cmd) {
        List<String> full = new ArrayList<>(List.of("env", "-i"));
        env.forEach((k, v) -> full.add(k + "=" + v));
        full.addAll(List.of(cmd));
        return run(Map.of(), null, full);
    }

    static Result run(Map<String, String> env, Path dir, List<String> cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Fails (never skips) when a tool the system tests need is missing: .ci/run installs them. */
    static void require(String... tools) {
        for (String t : tools) {
            if (run("sh", "-c", "command -v " + t).exit() != 0) {
                throw new AssertionError(t + " is not installed (.ci/run installs it with apt-get)");
            }
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
