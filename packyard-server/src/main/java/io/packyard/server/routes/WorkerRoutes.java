package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.packyard.builds.BuildService;
import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Job;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import io.packyard.python.json.Json;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What remote workers ({@code packyard worker}) call, under {@code /api/worker/}: claim a job,
 * heartbeat, append to the log, fetch the source and earlier artifacts, upload artifacts,
 * complete. Every call needs a build token ({@link Guard#builds}); calls about a job also need
 * its lease ({@code X-Packyard-Lease}), so a worker can only touch the job it holds.
 */
public final class WorkerRoutes {

    static final String LEASE_HEADER = "X-Packyard-Lease";
    private static final int MAX_LEASE_SECONDS = 3600;

    private final BuildService builds;
    private final Guard guard;

    WorkerRoutes(BuildService builds, Guard guard) {
        this.builds = builds;
        this.guard = guard;
    }

    public void register(RoutesConfig r) {
        r.post("/api/worker/claim", this::claim);
        r.post("/api/worker/jobs/{id}/heartbeat", this::heartbeat);
        r.post("/api/worker/jobs/{id}/log", this::log);
        r.get("/api/worker/jobs/{id}/source", this::source);
        r.get("/api/worker/jobs/{id}/artifacts", this::artifacts);
        r.get("/api/worker/jobs/{id}/artifacts/{filename}", this::downloadArtifact);
        r.put("/api/worker/jobs/{id}/artifacts/{filename}", this::uploadArtifact);
        r.post("/api/worker/jobs/{id}/complete", this::complete);
    }

    private void claim(Context ctx) {
        guard.builds(ctx, Optional.empty());
        Map<String, Object> m;
        try {
            m = Json.parseObject(ctx.body(), "request body");
        } catch (RuntimeException e) {
            throw HttpError.badRequest("request body: " + e.getMessage());
        }
        Object q = m.get("queues");
        if (!(q instanceof List<?> l) || l.isEmpty() || !l.stream().allMatch(String.class::isInstance)) {
            throw HttpError.badRequest("request body: 'queues' must be a non-empty array of queue names");
        }
        List<String> queues = l.stream().map(String.class::cast).toList();
        if (queues.contains(io.packyard.builds.model.Step.SERVER_QUEUE)) {
            throw new HttpError(403, "the '" + io.packyard.builds.model.Step.SERVER_QUEUE
                    + "' queue is the server's own; remote workers take platform queues");
        }
        Object w = m.get("worker");
        String worker = w instanceof String s && !s.isBlank() ? s.strip() : "remote";
        long seconds = m.get("lease_seconds") instanceof Number n ? n.longValue() : 60;
        seconds = Math.max(5, Math.min(MAX_LEASE_SECONDS, seconds));
        String who = worker + " (" + ctx.req().getRemoteAddr() + ")";
        Optional<ClaimedJob> job = builds.claim(queues, who.length() > 250 ? who.substring(0, 250) : who,
                Duration.ofSeconds(seconds));
        if (job.isEmpty()) {
            ctx.status(204);
            ctx.attribute(Responses.BYTES_SENT, 0L);
            return;
        }
        Responses.json(ctx, 200, BuildJson.claimed(job.get()));
    }

    /** The job named by the path, checked against the token and the lease header. */
    private Job leased(Context ctx) {
        guard.builds(ctx, Optional.empty());
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw HttpError.notFound("'" + ctx.pathParam("id") + "' is not a job id");
        }
        Job job = builds.job(id).orElseThrow(() -> HttpError.notFound("no job " + id));
        if (lease(ctx).isEmpty()) {
            throw HttpError.badRequest("the " + LEASE_HEADER + " header is required");
        }
        return job;
    }

    private static Optional<String> lease(Context ctx) {
        return Optional.ofNullable(ctx.header(LEASE_HEADER)).map(String::strip).filter(s -> !s.isEmpty());
    }

    private void heartbeat(Context ctx) {
        Job job = leased(ctx);
        Heartbeat hb = builds.heartbeat(job.id(), lease(ctx).orElseThrow());
        Responses.json(ctx, 200, Map.of("state", hb.name().toLowerCase(Locale.ROOT)));
    }

    private void requireLease(Job job, Context ctx) {
        if (builds.heartbeat(job.id(), lease(ctx).orElseThrow()) != Heartbeat.OK) {
            throw new HttpError(409, "job " + job.id() + ": the lease is not held (the job was cancelled or taken over)");
        }
    }

    private void log(Context ctx) {
        Job job = leased(ctx);
        requireLease(job, ctx);
        String text = new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8);
        builds.appendLog(job.buildId(), Optional.of(job.id()), text);
        ctx.status(204);
        ctx.attribute(Responses.BYTES_SENT, 0L);
    }

    private void source(Context ctx) {
        Job job = leased(ctx);
        requireLease(job, ctx);
        String sha = builds.requireBuild(job.buildId()).sourceSha256()
                .orElseThrow(() -> new HttpError(409, "build " + job.buildId() + " has no source yet"));
        Path file = builds.repository().blobs().find(sha)
                .orElseThrow(() -> new HttpError(500, "build " + job.buildId() + ": the source blob is missing"));
        Responses.file(ctx, file, sha, "application/gzip", true);
    }

    private void artifacts(Context ctx) {
        Job job = leased(ctx);
        requireLease(job, ctx);
        Responses.json(ctx, 200, builds.artifacts(job.buildId()).stream().map(BuildJson::artifact).toList());
    }

    private void downloadArtifact(Context ctx) {
        Job job = leased(ctx);
        requireLease(job, ctx);
        String name = ctx.pathParam("filename");
        Artifact a = builds.artifact(job.buildId(), name)
                .orElseThrow(() -> HttpError.notFound("build " + job.buildId() + " has no artifact '" + name + "'"));
        Path file = builds.repository().blobs().find(a.sha256())
                .orElseThrow(() -> new HttpError(500, "artifact " + name + ": its blob is missing"));
        Responses.file(ctx, file, a.sha256(), "application/octet-stream", true);
    }

    private void uploadArtifact(Context ctx) {
        Job job = leased(ctx);
        try (InputStream in = ctx.req().getInputStream()) {
            Artifact a = builds.addArtifact(job.id(), lease(ctx).orElseThrow(), ctx.pathParam("filename"), in);
            Responses.json(ctx, 201, BuildJson.artifact(a));
        } catch (BuildService.LeaseLostException e) {
            throw new HttpError(409, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void complete(Context ctx) {
        Job job = leased(ctx);
        Map<String, Object> m;
        try {
            m = Json.parseObject(ctx.body(), "request body");
        } catch (RuntimeException e) {
            throw HttpError.badRequest("request body: " + e.getMessage());
        }
        Outcome outcome;
        try {
            outcome = Outcome.valueOf(String.valueOf(m.get("outcome")).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("request body: 'outcome' must be succeeded, failed or infra_error");
        }
        String message = m.get("message") instanceof String s ? s : "";
        boolean accepted = builds.complete(job.id(), lease(ctx).orElseThrow(), outcome, message);
        Responses.json(ctx, 200, Map.of("accepted", accepted));
    }
}
