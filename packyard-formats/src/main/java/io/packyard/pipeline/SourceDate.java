package io.packyard.pipeline;

import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The timestamp written into every package: SOURCE_DATE_EPOCH from the environment; without it,
 * the project's last git commit; without git, 1980-01-01 (the earliest time a zip entry holds).
 */
final class SourceDate {
    static final long FALLBACK = 315532800L;

    private SourceDate() {}

    static long of(Path projectDir) {
        String env = System.getenv("SOURCE_DATE_EPOCH");
        if (env != null && !env.isBlank()) {
            try {
                long v = Long.parseLong(env.trim());
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw PackyardException.config("SOURCE_DATE_EPOCH: '" + env + "' is not a non-negative number of seconds");
            }
        }
        return lastCommit(projectDir);
    }

    private static long lastCommit(Path dir) {
        try {
            Process p = new ProcessBuilder("git", "-C", dir.toString(), "log", "-1", "--format=%ct", "--", ".")
                    .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
                return FALLBACK;
            }
            return Math.max(FALLBACK, Long.parseLong(out));
        } catch (IOException | NumberFormatException e) {
            return FALLBACK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FALLBACK;
        }
    }
}
