package io.packyard.formats.onefile;

import io.packyard.bundle.Bundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Test support: bulky fixture bundles, and running a onefile with a clean environment. */
final class OnefileRuns {
    private OnefileRuns() {}

    /** What a finished onefile run left behind. */
    record Run(int exit, String out, String err, long nanos) {
        Run ok() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err);
            }
            return this;
        }

        double millis() {
            return nanos / 1e6;
        }
    }

    /**
     * Adds {@code files} files of {@code bytesEach} bytes under {@code lib/bulk/dNN/} to a staged
     * tree: text made of random words, compressible about as well as Python sources, so the
     * unpack costs what unpacking a real interpreter tree costs.
     */
    static void addBulk(Path root, int files, int bytesEach, long seed) throws IOException {
        String[] words = {"import", "def", "return", "self", "class", "None", "value", "for", "in", "if", "else",
                "lambda", "yield", "async", "await", "print", "range", "len", "dict", "list", "tuple", "str",
                "int", "float", "try", "except", "raise", "with", "as", "from", "pass", "while"};
        Random r = new Random(seed);
        for (int i = 0; i < files; i++) {
            Path p = root.resolve("lib/bulk/d" + (i % 40) + "/module_" + i + ".py");
            Files.createDirectories(p.getParent());
            StringBuilder sb = new StringBuilder(bytesEach + 64);
            while (sb.length() < bytesEach) {
                sb.append(words[r.nextInt(words.length)]);
                sb.append(r.nextInt(8) == 0 ? '\n' : ' ');
                if (r.nextInt(16) == 0) {
                    sb.append(Long.toHexString(r.nextLong()));
                }
            }
            sb.setLength(bytesEach);
            Files.writeString(p, sb, StandardCharsets.US_ASCII);
        }
    }

    /** A bundle re-scanned after changing its staged tree. */
    static Bundle rescan(Bundle b) {
        return Bundle.builder().metadata(b.metadata()).root(b.root()).sourceDateEpoch(b.sourceDateEpoch()).build();
    }

    /** Runs {@code exe args} with only PATH and {@code env} in the environment. */
    static Run run(Map<String, String> env, Path cwd, String exe, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(exe);
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("onefile-", ".out");
            Path err = Files.createTempFile("onefile-", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                Map<String, String> e = pb.environment();
                e.clear();
                e.put("PATH", "/usr/bin:/bin");
                e.putAll(env);
                if (cwd != null) {
                    pb.directory(cwd.toFile());
                }
                long t0 = System.nanoTime();
                Process p = pb.start();
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + cmd);
                }
                long t1 = System.nanoTime();
                return new Run(p.exitValue(), Files.readString(out), Files.readString(err), t1 - t0);
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

    /** HOME and XDG_CACHE_HOME under {@code home}. */
    static Map<String, String> home(Path home) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        return env;
    }

    /** The onefile cache root for {@link #home}. */
    static Path cacheRoot(Path home) {
        return home.resolve("cache/packyard/onefile");
    }

    /** Every entry of a tree (relative path to kind and content or link target), for comparisons. */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir " + mode(p));
                } else {
                    out.put(rel, "file " + mode(p) + " " + java.util.HexFormat.of().formatHex(sha256(Files.readAllBytes(p))));
                }
            }
        }
        return out;
    }

    static String mode(Path p) throws IOException {
        return Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
