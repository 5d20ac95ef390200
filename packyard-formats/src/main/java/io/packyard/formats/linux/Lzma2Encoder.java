package io.packyard.formats.linux;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Executables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.tukaani.xz.FinishableOutputStream;
import org.tukaani.xz.FinishableWrapperOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.UnsupportedOptionsException;

/**
 * Compresses one block's data into raw LZMA2 (no .xz container: {@link ParallelXzOutputStream}
 * writes the block headers, checks and index around it). Two encoders produce it:
 *
 * <ul>
 *   <li>{@link #java(int)}: XZ for Java, in this process, on every machine;
 *   <li>{@link #liblzma(Path, int)}: liblzma, the reference implementation dpkg-deb and xz use,
 *       through the build machine's {@code xz} program ({@code xz --format=raw}), one process per
 *       block. On the same data and preset it spends about three quarters of XZ for Java's CPU
 *       time (see docs/benchmarks.md).
 * </ul>
 *
 * Both write valid LZMA2 for the same preset and dictionary, but not the same bytes; a package's
 * bytes therefore depend on which encoder (and which liblzma version) wrote it. {@link #select}
 * picks one from the {@code PACKYARD_XZ} setting: {@code auto} (the default: liblzma when
 * {@code xz} is on PATH, else XZ for Java), {@code liblzma} or {@code java} (the same bytes on
 * every machine).
 */
public sealed interface Lzma2Encoder permits Lzma2Encoder.XzForJava, Lzma2Encoder.Liblzma {
    /** The environment variable that chooses the encoder. */
    String SETTING = "PACKYARD_XZ";

    /** The LZMA2 dictionary size the encoder uses (the block header records it). */
    int dictSize();

    /** Raw LZMA2 data (chunks and the end marker) for {@code data[0, size)}. */
    byte[] encode(byte[] data, int size) throws IOException;

    /** What wrote the data, for the build log: {@code "liblzma 5.4.1"}, {@code "XZ for Java"}. */
    String description();

    /** XZ for Java's encoder at an xz preset (0–9). */
    static Lzma2Encoder java(int preset) {
        return new XzForJava(preset);
    }

    /** liblzma's encoder through the {@code xz} program at {@code xz}, at an xz preset (0–9). */
    static Lzma2Encoder liblzma(Path xz, int preset) {
        return new Liblzma(xz, preset, Liblzma.version(xz));
    }

    /** The encoder {@code PACKYARD_XZ} asks for in the process environment. */
    static Lzma2Encoder select(int preset) {
        return select(preset, System.getenv());
    }

    /**
     * The encoder {@code env}'s {@code PACKYARD_XZ} asks for: {@code auto} or unset (liblzma if
     * an {@code xz} on env's PATH reports its version, else XZ for Java), {@code liblzma} (an
     * error without a usable {@code xz}) or {@code java}.
     */
    static Lzma2Encoder select(int preset, Map<String, String> env) {
        String mode = env.getOrDefault(SETTING, "auto").trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "", "auto" -> {
                return Executables.onPath("xz", env)
                        .filter(xz -> Liblzma.version(xz) != null)
                        .<Lzma2Encoder>map(xz -> liblzma(xz, preset))
                        .orElseGet(() -> java(preset));
            }
            case "java" -> {
                return java(preset);
            }
            case "liblzma" -> {
                Path xz = Executables.onPath("xz", env).orElseThrow(() -> PackyardException.config(
                        SETTING + "=liblzma: no xz program on PATH (install xz-utils, or set " + SETTING + "=java)"));
                if (Liblzma.version(xz) == null) {
                    throw PackyardException.config(SETTING + "=liblzma: " + xz + " --robot --version does not report"
                            + " a liblzma version (not XZ Utils?)");
                }
                return liblzma(xz, preset);
            }
            default -> throw PackyardException.config(SETTING + ": '" + env.get(SETTING)
                    + "' is not one of auto, liblzma, java");
        }
    }

    private static LZMA2Options presetOptions(int preset) {
        try {
            return new LZMA2Options(preset);
        } catch (UnsupportedOptionsException e) {
            throw new IllegalArgumentException("xz preset must be 0 to 9: " + preset, e);
        }
    }

    /** XZ for Java's LZMA2 encoder. */
    record XzForJava(int preset, LZMA2Options options) implements Lzma2Encoder {
        XzForJava(int preset) {
            this(preset, presetOptions(preset));
        }

        @Override
        public int dictSize() {
            return options.getDictSize();
        }

        @Override
        public byte[] encode(byte[] data, int size) throws IOException {
            ByteArrayOutputStream compressed = new ByteArrayOutputStream(size / 3 + 1024);
            FinishableOutputStream lzma2 = options.getOutputStream(new FinishableWrapperOutputStream(compressed));
            lzma2.write(data, 0, size);
            lzma2.finish();
            return compressed.toByteArray();
        }

        @Override
        public String description() {
            return "XZ for Java";
        }
    }

    /**
     * liblzma through {@code xz --format=raw --lzma2=preset=P,dict=D --threads=1}: the same preset
     * and dictionary as {@link XzForJava}, one process per block (the blocks run in parallel on
     * {@link ParallelXzOutputStream}'s threads).
     */
    record Liblzma(Path xz, int preset, String version) implements Lzma2Encoder {
        private static final Map<Path, Optional<String>> VERSIONS = new ConcurrentHashMap<>();

        @Override
        public int dictSize() {
            return presetOptions(preset).getDictSize();
        }

        @Override
        public byte[] encode(byte[] data, int size) throws IOException {
            Process p = new ProcessBuilder(xz.toString(), "--format=raw",
                    "--lzma2=preset=" + preset + ",dict=" + dictSize(), "--threads=1", "--stdout", "--quiet")
                    .start();
            AtomicReference<IOException> feedFailure = new AtomicReference<>();
            Thread feeder = Thread.ofVirtual().name("packyard-xz-feed").start(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(data, 0, size);
                } catch (IOException e) {
                    feedFailure.set(e);
                }
            });
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            Thread errors = Thread.ofVirtual().name("packyard-xz-stderr").start(() -> {
                try {
                    p.getErrorStream().transferTo(stderr);
                } catch (IOException e) {
                    // the process is gone; its exit status says what happened
                }
            });
            try {
                byte[] out = p.getInputStream().readAllBytes();
                feeder.join();
                errors.join();
                int status = p.waitFor();
                if (status != 0 || feedFailure.get() != null) {
                    String why = stderr.toString(StandardCharsets.UTF_8).strip();
                    throw new IOException(xz + " --format=raw exited with status " + status
                            + (why.isEmpty() ? "" : ": " + why.lines().findFirst().orElse(""))
                            + (feedFailure.get() != null ? " (writing its input: " + feedFailure.get().getMessage() + ")" : ""));
                }
                return out;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while " + xz + " compressed a block");
            } finally {
                if (p.isAlive()) {
                    p.destroyForcibly();
                }
            }
        }

        @Override
        public String description() {
            return "liblzma " + version + " (" + xz + ")";
        }

        /**
         * The liblzma version {@code xz --robot --version} reports ({@code LIBLZMA_VERSION=50040012}
         * → {@code 5.4.1}), or null when the program is not XZ Utils or does not answer within 10 s.
         * Asked once per program and process.
         */
        static String version(Path xz) {
            return VERSIONS.computeIfAbsent(xz, Liblzma::askVersion).orElse(null);
        }

        private static Optional<String> askVersion(Path xz) {
            try {
                Process p = new ProcessBuilder(List.of(xz.toString(), "--robot", "--version"))
                        .redirectErrorStream(true).start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readNBytes(4096);
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    return Optional.empty();
                }
                return parseVersion(new String(out, StandardCharsets.US_ASCII));
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }

        /** {@code LIBLZMA_VERSION=50040012} (major·10⁷ + minor·10⁴ + patch·10 + stability) → {@code 5.4.1}. */
        static Optional<String> parseVersion(String robotOutput) {
            return robotOutput.lines()
                    .filter(l -> l.startsWith("LIBLZMA_VERSION="))
                    .map(l -> l.substring("LIBLZMA_VERSION=".length()).trim())
                    .filter(v -> v.matches("\\d{8}"))
                    .map(Long::parseLong)
                    .map(v -> (v / 10_000_000) + "." + (v / 10_000 % 1000) + "." + (v / 10 % 1000))
                    .findFirst();
        }
    }
}
