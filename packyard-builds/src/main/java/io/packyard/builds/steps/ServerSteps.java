package io.packyard.builds.steps;

import io.packyard.builds.BuildService;
import io.packyard.builds.exec.StepFailure;
import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildProject;
import io.packyard.builds.model.Step;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.source.GitSource;
import io.packyard.builds.source.SourceArchive;
import io.packyard.builds.source.SourceException;
import io.packyard.builds.worker.JobContext;
import io.packyard.builds.worker.StepExecutor;
import io.packyard.python.PackyardException;
import io.packyard.repository.packages.LinuxRepositories;
import io.packyard.repository.storage.Blob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The steps the server runs itself, on the {@link Step#SERVER_QUEUE}: SOURCE (clone the git
 * commit, or check and unpack the uploaded archive, then store the tree as one canonical
 * .tar.gz that every worker builds from) and PUBLISH (the build's packages into the server's
 * APT/YUM repositories and downloads, its wheel and sdist into a Python index: see
 * {@link PythonIndexPublisher}).
 */
public final class ServerSteps implements StepExecutor {

    /** The artifact kinds PUBLISH puts into a repository; others (onefile, OCI) stay build artifacts. */
    static final Set<String> PUBLISHED = Set.of(".deb", ".rpm", ".msi", ".zip", ".tar.gz");

    private final BuildService service;

    public ServerSteps(BuildService service) {
        this.service = service;
    }

    @Override
    public void execute(ClaimedJob job, JobContext ctx) throws StepFailure, IOException {
        switch (job.step()) {
            case SOURCE -> source(job, ctx);
            case PUBLISH -> publish(job, ctx);
            default -> throw StepFailure.infra("the server does not run " + job.step().id() + " steps");
        }
    }

    private void source(ClaimedJob job, JobContext ctx) throws StepFailure, IOException {
        Build b = service.requireBuild(job.buildId());
        Path src = ctx.workspace().resolve("src");
        Optional<String> commit = Optional.empty();
        try {
            if (b.gitUrl().isPresent()) {
                GitSource.GitCheckout co = GitSource.checkout(b.gitUrl().get(), b.gitRef().orElse("HEAD"), src, ctx::log);
                commit = Optional.of(co.commit());
            } else {
                Path upload = ctx.workspace().resolve("upload");
                try (InputStream in = service.openSource(b.id())) {
                    Files.copy(in, upload, StandardCopyOption.REPLACE_EXISTING);
                }
                ctx.log("unpacking the uploaded source " + b.sourceName().orElse("archive"));
                SourceArchive.extract(upload, src, BuildService.MAX_SOURCE_BYTES * 4);
            }
        } catch (SourceException e) {
            throw e.transientFailure() ? StepFailure.infra(e.getMessage(), e) : StepFailure.build(e.getMessage());
        } catch (PackyardException e) {
            throw StepFailure.build(e.getMessage());
        }
        if (!Files.isRegularFile(src.resolve("pyproject.toml"))) {
            throw StepFailure.build("source " + b.sourceName().orElse("") + ": no pyproject.toml at its top level");
        }
        Path tgz = ctx.workspace().resolve("source.tar.gz");
        SourceArchive.pack(src, tgz);
        Blob blob;
        try (InputStream in = Files.newInputStream(tgz)) {
            blob = service.repository().blobs().put(in, Long.MAX_VALUE);
        }
        service.setSource(b.id(), blob.sha256(), commit);
        ctx.log("source " + commit.map(c -> "commit " + c + ", ").orElse("") + "archive sha256 " + blob.sha256()
                + " (" + blob.size() + " bytes)");
    }

    private void publish(ClaimedJob job, JobContext ctx) throws StepFailure, IOException {
        BuildProject p = service.requireProject(job.project());
        if (!p.publishes()) {
            throw StepFailure.build("project " + p.name() + " has no publish repository or index");
        }
        Optional<String> repo = p.publishRepo();
        String channel = p.publishChannel().orElse("stable");
        Optional<PythonIndexPublisher> index = p.publishesToIndex()
                ? Optional.of(PythonIndexPublisher.of(service.repository(), p)) : Optional.empty();
        int published = 0;
        for (Artifact a : service.artifacts(job.buildId())) {
            String lower = a.filename().toLowerCase(Locale.ROOT);
            boolean dist = PythonIndexPublisher.isDistribution(a.filename());
            if (dist && index.isEmpty() || !dist && (repo.isEmpty() || PUBLISHED.stream().noneMatch(lower::endsWith))) {
                ctx.log("not published (" + (dist ? "no publish index" : repo.isEmpty() ? "no publish repository"
                        : "not a repository format") + "): " + a.filename());
                continue;
            }
            Path file = ctx.workspace().resolve(a.filename());
            try (InputStream in = service.openArtifact(a)) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            if (dist) {
                index.get().publish(file, a.filename(), ctx::log);
                published++;
                continue;
            }
            try {
                LinuxRepositories.PublishResult r = service.repository().linux().publish(file, a.filename(), repo.get(), channel);
                ctx.log((r.changed() ? "published " : "already published ") + a.filename() + " to repository " + repo.get()
                        + ", channel " + channel);
                published++;
            } catch (PackyardException e) {
                throw StepFailure.build("publish " + a.filename() + ": " + e.getMessage());
            }
        }
        if (published == 0) {
            throw StepFailure.build("nothing to publish: the build produced no "
                    + (repo.isPresent() ? ".deb, .rpm, .msi, .zip or .tar.gz" : "")
                    + (repo.isPresent() && index.isPresent() ? " nor " : "")
                    + (index.isPresent() ? "wheel or sdist (build the formats wheel and sdist)" : ""));
        }
    }
}
