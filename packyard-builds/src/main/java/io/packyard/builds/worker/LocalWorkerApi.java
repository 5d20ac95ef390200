package io.packyard.builds.worker;

import io.packyard.builds.BuildService;
import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Job;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The {@link WorkerApi} of in-process workers: straight calls to the {@link BuildService}. */
public final class LocalWorkerApi implements WorkerApi {

    private final BuildService service;

    public LocalWorkerApi(BuildService service) {
        this.service = service;
    }

    @Override
    public Optional<ClaimedJob> claim(List<String> queues, String workerName, Duration lease) {
        return service.claim(queues, workerName, lease);
    }

    @Override
    public Heartbeat heartbeat(long jobId, String leaseId) {
        return service.heartbeat(jobId, leaseId);
    }

    @Override
    public void log(long jobId, String leaseId, String text) {
        service.appendLog(buildOf(jobId), Optional.of(jobId), text);
    }

    @Override
    public void downloadSource(long jobId, String leaseId, Path to) throws IOException {
        try (InputStream in = service.openSource(buildOf(jobId))) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public List<Artifact> artifacts(long jobId, String leaseId) {
        return service.artifacts(buildOf(jobId));
    }

    @Override
    public void downloadArtifact(long jobId, String leaseId, Artifact artifact, Path to) throws IOException {
        try (InputStream in = service.openArtifact(artifact)) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void uploadArtifact(long jobId, String leaseId, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            service.addArtifact(jobId, leaseId, file.getFileName().toString(), in);
        }
    }

    @Override
    public boolean complete(long jobId, String leaseId, Outcome outcome, String message) {
        return service.complete(jobId, leaseId, outcome, message);
    }

    private long buildOf(long jobId) {
        return service.job(jobId).map(Job::buildId).orElseThrow(() -> new IllegalArgumentException("no job " + jobId));
    }
}
