package io.packyard.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external tools (pip, twine, poetry) for system tests, with a clean environment. */
final class Proc {

    record Result(int exit, String output) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + ":\n" + output);
            }
            return this;
        }
    }

    static final String PYTHON = "/root/.pyenv/versions/3.11.7/bin/python";

    private Proc() {}

    static Result run(List<String> cmd, Path cwd, Map<String, String> env, Duration timeout) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (cwd != null) {
                pb.directory(cwd.toFile());
            }
            Map<String, String> e = pb.environment();
            e.keySet().removeIf(k -> k.startsWith("TWINE_") || k.startsWith("PIP_") || k.startsWith("POETRY_")
                    || k.startsWith("PYTHON") || k.equals("VIRTUAL_ENV"));
            e.put("PIP_CONFIG_FILE", "/dev/null");
            e.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
            e.put("PIP_NO_INPUT", "1");
            e.put("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring");
            e.put("LC_ALL", "C.UTF-8");
            e.putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeout + ": " + cmd);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            System.err.println("$ " + String.join(" ", cmd) + "\n" + text);
            return new Result(p.exitValue(), text);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code python -m pip ...} with the pyenv CPython 3.11, never touching the network or a cache. */
    static Result pip(Path cwd, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON, "-m", "pip"));
        cmd.addAll(List.of(args));
        return run(cmd, cwd, Map.of("HOME", cwd.toString()), Duration.ofMinutes(3));
    }
}
