package io.packyard.builds.steps;

import io.packyard.builds.exec.BuildStep;
import io.packyard.builds.exec.Sandbox;
import io.packyard.builds.exec.StepFailure;
import io.packyard.builds.exec.VerifyStep;
import io.packyard.builds.model.Artifact;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.source.SourceArchive;
import io.packyard.builds.source.SourceException;
import io.packyard.builds.worker.JobContext;
import io.packyard.builds.worker.StepExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The steps a worker runs for a target platform: BUILD (download the build's source archive,
 * unpack it, run {@code packyard build} in a {@link Sandbox} with the project's time and disk
 * limits, upload the packages) and VERIFY (download the build's .deb, or its portable .tar.gz,
 * install it in a throwaway root and run the project's smoke command: {@link VerifyStep}).
 */
public final class PlatformSteps implements StepExecutor {

    private final List<String> packyardCommand;
    private final Sandbox.Isolation isolation;

    public PlatformSteps(List<String> packyardCommand, Sandbox.Isolation isolation) {
        this.packyardCommand = List.copyOf(packyardCommand);
        this.isolation = isolation;
    }

    /** {@code java -cp <this JVM's class path> io.packyard.cli.Main}: the CLI this process runs. */
    public static List<String> defaultPackyardCommand() {
        return BuildStep.defaultPackyardCommand();
    }

    @Override
    public void execute(ClaimedJob job, JobContext ctx) throws StepFailure, IOException {
        Thread self = Thread.currentThread();
        ctx.onCancel(self::interrupt);
        try {
            switch (job.step()) {
                case BUILD -> build(job, ctx);
                case VERIFY -> verify(job, ctx);
                default -> throw StepFailure.infra("a platform worker does not run " + job.step().id() + " steps");
            }
        } finally {
            if (ctx.cancelled()) {
                Thread.interrupted();
            }
        }
    }

    private Sandbox sandbox(ClaimedJob job, Path ws) {
        return Sandbox.builder().workspace(ws).timeLimit(Duration.ofSeconds(job.timeLimitSeconds()))
                .diskLimitBytes((long) job.diskLimitMb() << 20).isolation(isolation)
                .readOnlyBinds(hiddenCommandPaths(packyardCommand)).build();
    }

    /**
     * The files the command needs that the sandbox's fresh {@code /tmp} would hide: absolute
     * paths (and class-path entries, with the {@code Class-Path} of their jars' manifests) under
     * {@code /tmp}, bound read-only at the same place.
     */
    static List<Path> hiddenCommandPaths(List<String> command) {
        java.util.Set<Path> all = new java.util.LinkedHashSet<>();
        for (String word : command) {
            for (String part : word.split(java.io.File.pathSeparator)) {
                if (part.startsWith("/")) {
                    addWithManifest(Path.of(part).normalize(), all);
                }
            }
        }
        return all.stream().filter(p -> p.startsWith("/tmp")).toList();
    }

    private static void addWithManifest(Path p, java.util.Set<Path> out) {
        if (!Files.exists(p) || !out.add(p) || !p.toString().endsWith(".jar")) {
            return;
        }
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(p.toFile())) {
            java.util.jar.Manifest m = jar.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH);
            if (cp == null) {
                return;
            }
            for (String entry : cp.trim().split("\\s+")) {
                if (entry.isEmpty()) {
                    continue;
                }
                try {
                    java.net.URI u = p.toUri().resolve(entry);
                    if ("file".equals(u.getScheme())) {
                        addWithManifest(Path.of(u).normalize(), out);
                    }
                } catch (IllegalArgumentException e) {
                    // not a usable entry: the JVM ignores it as well
                }
            }
        } catch (IOException e) {
            // not a jar we can read: bound as it is
        }
    }

    private void build(ClaimedJob job, JobContext ctx) throws StepFailure, IOException {
        Path ws = ctx.workspace();
        Path archive = ws.resolve("source.tar.gz");
        ctx.api().downloadSource(job.jobId(), job.leaseId(), archive);
        Path src = ws.resolve("src");
        try {
            SourceArchive.extract(archive, src, Long.MAX_VALUE);
        } catch (SourceException e) {
            throw StepFailure.infra("the build's source archive: " + e.getMessage());
        }
        Files.delete(archive);
        String target = job.target().orElseThrow(() -> StepFailure.infra("a build job without a target"));
        ctx.log("packyard build --target " + target + " --format " + String.join(",", job.formats())
                + (job.buildArgs().isEmpty() ? "" : " " + String.join(" ", job.buildArgs())));
        List<Path> files = BuildStep.run(new BuildStep.Spec(packyardCommand, target, job.formats(), job.buildArgs()),
                src, ws.resolve("out"), sandbox(job, ws), ctx::log);
        for (Path f : files) {
            ctx.api().uploadArtifact(job.jobId(), job.leaseId(), f);
            ctx.log("artifact " + f.getFileName() + " (" + Files.size(f) + " bytes)");
        }
    }

    private void verify(ClaimedJob job, JobContext ctx) throws StepFailure, IOException {
        String target = job.target().orElseThrow(() -> StepFailure.infra("a verify job without a target"));
        String smoke = job.smokeCommand().orElseThrow(() -> StepFailure.build("the project has no smoke command"));
        List<Artifact> mine = ctx.api().artifacts(job.jobId(), job.leaseId()).stream()
                .filter(a -> a.target().equals(Optional.of(target))).toList();
        Optional<Artifact> pick = mine.stream().filter(a -> a.filename().endsWith(".deb")).findFirst()
                .or(() -> mine.stream().filter(a -> a.filename().endsWith(".tar.gz"))
                        .min(Comparator.comparing(Artifact::filename)));
        Artifact a = pick.orElseThrow(() -> StepFailure.build("nothing to verify for " + target
                + ": the build made no .deb or .tar.gz"));
        Path dir = ctx.workspace().resolve("artifact");
        Files.createDirectories(dir);
        Path file = dir.resolve(a.filename());
        ctx.api().downloadArtifact(job.jobId(), job.leaseId(), a, file);
        ctx.log("verifying " + a.filename() + " with: " + smoke);
        VerifyStep.run(file, smoke, sandbox(job, ctx.workspace()), ctx::log);
    }
}
