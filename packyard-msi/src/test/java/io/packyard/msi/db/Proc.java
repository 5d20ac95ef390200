package io.packyard.msi.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external tool (msitools) and returns its output; a failure or a missing tool fails the test.
 * Commands run in a scratch directory (deleted when the JVM exits) unless given one: msiinfo export
 * and msidump write binary cells to {@code <cwd>/<Table>/<stream>}.
 */
final class Proc {

    private static Path scratch;

    private static synchronized Path scratch() throws IOException {
        if (scratch == null) {
            Path dir = Files.createTempDirectory("packyard-msitools");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    // best effort
                }
            }));
            scratch = dir;
        }
        return scratch;
    }

    private Proc() {
    }

    record Result(int exitCode, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    static Result exec(Path dir, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.directory((dir != null ? dir : scratch()).toFile());
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().put("TZ", "UTC");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
    }

    /** Runs the command; fails unless it exits with 0. Returns stdout. */
    static byte[] run(String... command) throws IOException, InterruptedException {
        Result r = exec(null, List.of(command));
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + r.exitCode() + "\nstderr: " + r.stderr());
        }
        return r.stdout();
    }

    /** Stdout as UTF-8 with msitools' CRLF line ends turned into LF (an LF inside a value stays). */
    /** Runs the command in {@code dir}; fails unless it exits with 0. */
    static byte[] runIn(Path dir, String... command) throws IOException, InterruptedException {
        Result r = exec(dir, List.of(command));
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + r.exitCode() + "\nstderr: " + r.stderr());
        }
        return r.stdout();
    }

    static String text(String... command) throws IOException, InterruptedException {
        return new String(run(command), StandardCharsets.UTF_8).replace("\r\n", "\n");
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
