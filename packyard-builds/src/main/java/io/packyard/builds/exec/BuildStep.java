package io.packyard.builds.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The build step of a build job: runs {@code packyard build} as a subprocess (the very CLI code a
 * user runs) in a {@link Sandbox} and returns the packages it wrote.
 *
 * <p>Outcome → failure kind: exit 0 with files in the output directory → the files; exit 0 with
 * none, exit 1 (build failure) or 2 (bad configuration), or a time/disk limit hit → {@link
 * StepFailure.Kind#BUILD} (the project's own fault, never retried); killed by a signal nobody here
 * sent, any other exit code (the JVM crashed, ran out of memory), or the command could not start
 * → {@link StepFailure.Kind#INFRA}.
 */
public final class BuildStep {

    /**
     * What to run.
     *
     * @param packyardCommand the command that starts the packyard CLI, e.g. {@code [java, -cp, cp,
     *                        io.packyard.cli.Main]} ({@link #defaultPackyardCommand()})
     * @param target          the target platform ({@code --target})
     * @param formats         the package formats ({@code --format}), e.g. {@code [deb, tar.gz]}
     * @param extraArgs       further arguments appended to the command line
     */
    public record Spec(List<String> packyardCommand, String target, List<String> formats, List<String> extraArgs) {
        public Spec {
            packyardCommand = List.copyOf(packyardCommand);
            Objects.requireNonNull(target, "target");
            formats = List.copyOf(formats);
            extraArgs = List.copyOf(extraArgs);
            if (packyardCommand.isEmpty()) {
                throw new IllegalArgumentException("empty packyard command");
            }
            if (formats.isEmpty()) {
                throw new IllegalArgumentException("no formats");
            }
        }
    }

    private BuildStep() {
    }

    /** This JVM's java executable + {@code -cp} + this JVM's class path + {@code io.packyard.cli.Main}. */
    public static List<String> defaultPackyardCommand() {
        String java = ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return List.of(java, "-cp", System.getProperty("java.class.path"), "io.packyard.cli.Main");
    }

    /** The full command line the step runs. */
    static List<String> commandLine(Spec spec, Path sourceDir, Path outDir) {
        List<String> cmd = new ArrayList<>(spec.packyardCommand());
        cmd.addAll(List.of("build", sourceDir.toString(), "--target", spec.target(),
                "--format", String.join(",", spec.formats()), "--out", outDir.toString()));
        cmd.addAll(spec.extraArgs());
        return cmd;
    }

    /**
     * Builds {@code sourceDir} into {@code outDir} (both must be writable in the sandbox, normally
     * inside its workspace) and returns the files written there, sorted.
     */
    public static List<Path> run(Spec spec, Path sourceDir, Path outDir, Sandbox sandbox, Consumer<String> log)
            throws StepFailure {
        Path out = outDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw StepFailure.infra("cannot create the output directory " + out + ": " + e.getMessage(), e);
        }
        String launcher = spec.packyardCommand().get(0);
        if (!launcherExists(launcher)) {
            throw StepFailure.infra("cannot start packyard build: " + launcher + " is not an executable file");
        }
        List<String> cmd = commandLine(spec, sourceDir.toAbsolutePath().normalize(), out);
        AtomicReference<String> lastError = new AtomicReference<>();
        AtomicReference<String> lastLine = new AtomicReference<>();
        Consumer<String> sink = line -> {
            log.accept(line);
            if (!line.isBlank()) {
                lastLine.set(line.strip());
                if (looksLikeError(line)) {
                    lastError.set(line.strip());
                }
            }
        };
        SandboxResult r;
        try {
            r = sandbox.run(cmd, sourceDir.toAbsolutePath().normalize(), sink);
        } catch (IOException e) {
            throw StepFailure.infra("cannot start packyard build: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StepFailure.infra("interrupted while building", e);
        }
        if (r.limitExceeded().isPresent()) {
            throw StepFailure.build("the build exceeded its " + r.limitExceeded().get());
        }
        if (r.cancelled()) {
            throw StepFailure.infra("the build was cancelled");
        }
        int code = r.exitCode();
        if (code == 1 && lastLine.get() != null && lastLine.get().startsWith("bwrap: ")) {
            // bubblewrap itself could not set up the sandbox: the command never ran
            throw StepFailure.infra("the build sandbox could not start: " + lastLine.get());
        }
        if (code == 1 || code == 2) {
            String detail = Optional.ofNullable(lastError.get()).or(() -> Optional.ofNullable(lastLine.get()))
                    .orElse("no output").replaceFirst("^packyard: error: ", "");
            throw StepFailure.build("packyard build failed (exit " + code + "): " + detail);
        }
        if (code > 128) {
            throw StepFailure.infra("packyard build was killed by signal " + (code - 128));
        }
        if (code != 0) {
            // 127/126: the launcher (java) not found / not executable; anything else: the JVM died
            throw StepFailure.infra("packyard build could not run (exit " + code + "): "
                    + Optional.ofNullable(lastLine.get()).orElse("no output"));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw StepFailure.infra("cannot list " + out + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw StepFailure.build("packyard build produced no packages");
        }
        return files;
    }

    private static boolean launcherExists(String launcher) {
        if (launcher.contains("/")) {
            return Files.isRegularFile(Path.of(launcher)) && Files.isExecutable(Path.of(launcher));
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, launcher);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return true;
            }
        }
        return false;
    }

    /** The CLI prints user errors as {@code error: ...}; Java and Python tracebacks end in an exception line. */
    private static boolean looksLikeError(String line) {
        String s = line.strip().toLowerCase(java.util.Locale.ROOT);
        return s.startsWith("error") || s.startsWith("packyard: error") || s.contains("error:")
                || s.startsWith("fatal") || s.contains("exception:");
    }
}
