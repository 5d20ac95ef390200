package io.packyard.builds.steps;

import io.packyard.builds.exec.StepFailure;
import io.packyard.builds.model.BuildProject;
import io.packyard.python.PackyardException;
import io.packyard.python.upload.UploadClient;
import io.packyard.python.upload.UploadForm;
import io.packyard.python.upload.UploadRejectedException;
import io.packyard.python.upload.UploadResult;
import io.packyard.python.upload.ValidatedUpload;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.storage.BlobStore;
import io.packyard.repository.upload.Uploads;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The PUBLISH step's part for Python distributions: a build's wheel and sdist go to a hosted index
 * of this server (through {@link Uploads#store}, the same validation and rules as a twine upload:
 * an identical file again is accepted, other content under the same name is refused) and/or to an
 * upstream index through {@link UploadClient} (twine's legacy upload protocol), with the API token
 * read from a file on the server when the step runs, so the token never goes through the API.
 */
final class PythonIndexPublisher {

    /**
     * A PEP 625 sdist: {@code {name}-{version}.tar.gz} with the name's separators as underscores, so
     * exactly one '-'. The portable archive is {@code {name}-{version}-{target}.tar.gz}.
     */
    private static final Pattern SDIST = Pattern.compile("[A-Za-z0-9_.]+-[A-Za-z0-9_.!+]+\\.tar\\.gz");

    private final Repository repository;
    private final String project;
    private final Optional<IndexConfig> hosted;
    private final Optional<UploadClient> upstream;

    private PythonIndexPublisher(Repository repository, String project, Optional<IndexConfig> hosted,
            Optional<UploadClient> upstream) {
        this.repository = repository;
        this.project = project;
        this.hosted = hosted;
        this.upstream = upstream;
    }

    /** True for a wheel or a PEP 625 sdist file name. */
    static boolean isDistribution(String filename) {
        return filename.endsWith(".whl") || SDIST.matcher(filename).matches();
    }

    /** The publisher for a project's {@code publish_index} and/or {@code publish_index_url}. */
    static PythonIndexPublisher of(Repository repository, BuildProject p) throws StepFailure {
        Optional<IndexConfig> hosted = Optional.empty();
        if (p.publishIndex().isPresent()) {
            String name = p.publishIndex().get();
            IndexConfig index = repository.indexes().find(name).orElseThrow(() -> StepFailure.build(
                    "project " + p.name() + ": publish_index: no index '" + name + "' on this server"));
            if (!index.isHosted()) {
                throw StepFailure.build("project " + p.name() + ": publish_index: index '" + name + "' is a "
                        + index.kind().id() + " index; publish to a hosted index");
            }
            hosted = Optional.of(index);
        }
        Optional<UploadClient> upstream = Optional.empty();
        if (p.publishIndexUrl().isPresent()) {
            String tokenFile = p.publishIndexTokenFile().orElseThrow(() -> StepFailure.build(
                    "project " + p.name() + ": publish_index_url needs publish_index_token_file"));
            String token;
            try {
                token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).strip();
            } catch (NoSuchFileException e) {
                throw StepFailure.build("project " + p.name() + ": publish_index_token_file: " + tokenFile
                        + ": no such file on the server");
            } catch (IOException e) {
                throw StepFailure.build("project " + p.name() + ": publish_index_token_file: " + tokenFile
                        + ": cannot read it: " + e.getMessage());
            }
            if (token.isEmpty()) {
                throw StepFailure.build("project " + p.name() + ": publish_index_token_file: " + tokenFile + " is empty");
            }
            try {
                upstream = Optional.of(UploadClient.builder().repositoryUrl(p.publishIndexUrl().get()).token(token)
                        .build());
            } catch (PackyardException e) {
                throw StepFailure.build("project " + p.name() + ": publish_index_url: " + e.getMessage());
            }
        }
        return new PythonIndexPublisher(repository, p.name(), hosted, upstream);
    }

    /** Publishes one wheel or sdist to every configured index. */
    void publish(Path file, String filename, Consumer<String> log) throws StepFailure, IOException {
        if (hosted.isPresent()) {
            publishHosted(hosted.get(), file, filename, log);
        }
        if (upstream.isPresent()) {
            publishUpstream(upstream.get(), file, filename, log);
        }
    }

    private void publishHosted(IndexConfig index, Path file, String filename, Consumer<String> log)
            throws StepFailure, IOException {
        Uploads uploads = repository.uploads();
        try (BlobStore.Staged staged = repository.blobs().stage(uploads.maxBytes(index))) {
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    staged.write(buf, 0, n);
                }
            }
            // the fields twine sends, read from the file itself; Uploads validates them against it again
            ValidatedUpload meta = uploads.validator(index).inspect(staged.tempFile(), filename);
            UploadForm.Builder form = UploadForm.builder().field(":action", "file_upload")
                    .field("protocol_version", "1").field("name", meta.name())
                    .field("version", meta.canonicalVersion()).field("filetype", meta.filetype().formValue())
                    .field("pyversion", meta.pythonVersion()).field("metadata_version", meta.metadataVersion())
                    .field("sha256_digest", meta.sha256());
            meta.requiresPython().ifPresent(r -> form.field("requires_python", r));
            form.filename(filename);
            Uploads.Result r = uploads.store(index, Optional.of(buildServiceToken(index, meta)), form.build(), staged);
            log.accept((r.outcome() == Uploads.Outcome.STORED ? "published " : "already published (same content) ")
                    + filename + " to index " + index.name());
        } catch (UploadRejectedException e) {
            throw StepFailure.build("publish " + filename + " to index " + index.name() + ": " + e.reason());
        } catch (io.packyard.repository.storage.BlobTooLargeException e) {
            throw StepFailure.build("publish " + filename + " to index " + index.name() + ": larger than the index's"
                    + " upload limit of " + uploads.maxBytes(index) + " bytes");
        }
    }

    /**
     * The identity the server publishes with: an upload permission on this index for this one
     * project, held by the build service itself (never stored; id 0 marks the file's uploader).
     */
    private ApiToken buildServiceToken(IndexConfig index, ValidatedUpload meta) {
        return new ApiToken(0, "build-service", "build-service:" + project, index.name(), index.id(),
                Optional.of(meta.normalizedName()), Permission.UPLOAD, Optional.of("build service"), Instant.EPOCH,
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    private static void publishUpstream(UploadClient client, Path file, String filename, Consumer<String> log)
            throws StepFailure {
        UploadResult r;
        try {
            Path named = file.getFileName().toString().equals(filename) ? file : file.resolveSibling(filename);
            if (named != file) {
                Files.copy(file, named, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            r = client.upload(named);
        } catch (UploadRejectedException e) {
            throw StepFailure.build("publish " + filename + " to " + client.url() + ": " + e.reason());
        } catch (PackyardException e) {
            // unreachable after the client's retries: an infrastructure fault, retried later
            throw StepFailure.infra("publish " + filename + " to " + client.url() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw StepFailure.infra("publish " + filename + ": " + e.getMessage(), e);
        }
        switch (r.outcome()) {
            case UPLOADED, ALREADY_EXISTS -> log.accept("published " + filename + " to " + client.url());
            case REJECTED -> {
                String msg = "publish " + filename + " to " + client.url() + ": the index refused it (HTTP "
                        + r.status() + "): " + r.message();
                throw r.status() >= 500 ? StepFailure.infra(msg) : StepFailure.build(msg);
            }
        }
    }

}
