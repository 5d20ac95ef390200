package io.packyard.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Compiles C sources to Windows x64 executables with mingw-w64's {@code x86_64-w64-mingw32-gcc}
 * (Debian: gcc-mingw-w64-x86-64). Test fixtures only: a missing compiler fails the test.
 */
public final class Mingw {

    /** The compiler command. */
    public static final String GCC = "x86_64-w64-mingw32-gcc";

    /** The PE subsystem of the executable. */
    public enum Subsystem {
        /** A console program ({@code -mconsole}). */
        CONSOLE("-mconsole"),
        /** A GUI program without a console ({@code -mwindows}). */
        WINDOWS("-mwindows");

        private final String flag;

        Subsystem(String flag) {
            this.flag = flag;
        }
    }

    private Mingw() {}

    /**
     * Compiles {@code source} into {@code output} (parent directories created) with {@code -O2},
     * linking {@code libraries} ({@code "shell32"} for {@code -lshell32}).
     *
     * @throws IllegalStateException with the compiler's output if compilation fails
     */
    public static Path compile(Path source, Path output, Subsystem subsystem, String... libraries) throws IOException {
        Files.createDirectories(output.toAbsolutePath().getParent());
        List<String> command = new ArrayList<>(List.of(GCC, "-O2", "-Wall", subsystem.flag, "-o",
                output.toAbsolutePath().toString(), source.toAbsolutePath().toString()));
        for (String library : libraries) {
            command.add("-l" + library);
        }
        Path log = Files.createTempFile("mingw", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(GCC + " timed out compiling " + source);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(GCC + " failed (exit " + p.exitValue() + ") compiling " + source + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted compiling " + source, e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Compiles C source text (written to a temporary file beside {@code output}). */
    public static Path compile(String sourceText, String sourceName, Path output, Subsystem subsystem, String... libraries)
            throws IOException {
        Path parent = Files.createDirectories(output.toAbsolutePath().getParent());
        Path dir = Files.createTempDirectory(parent, ".mingw");
        try {
            Path source = dir.resolve(sourceName);
            Files.writeString(source, sourceText, StandardCharsets.UTF_8);
            return compile(source, output, subsystem, libraries);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
