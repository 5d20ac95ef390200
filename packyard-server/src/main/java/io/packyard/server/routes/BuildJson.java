package io.packyard.server.routes;

import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildProject;
import io.packyard.builds.model.Job;
import io.packyard.builds.model.LogChunk;
import io.packyard.builds.queue.ClaimedJob;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The JSON shapes of the build service's API (documented in {@link BuildOpenApi}). */
public final class BuildJson {

    private BuildJson() {}

    private static Object opt(Optional<?> o) {
        return o.map(v -> v instanceof Instant i ? i.toString() : v).orElse(null);
    }

    public static Map<String, Object> project(BuildProject p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("git_url", opt(p.gitUrl()));
        m.put("git_ref", opt(p.gitRef()));
        m.put("follow_refs", opt(p.followRefs()));
        m.put("targets", p.targets());
        m.put("formats", p.formats());
        m.put("build_args", p.buildArgs());
        m.put("smoke_command", opt(p.smokeCommand()));
        m.put("publish_repo", opt(p.publishRepo()));
        m.put("publish_channel", opt(p.publishChannel()));
        m.put("publish_index", opt(p.publishIndex()));
        m.put("publish_index_url", opt(p.publishIndexUrl()));
        m.put("publish_index_token_file", opt(p.publishIndexTokenFile()));
        m.put("schedule", opt(p.scheduleCron()));
        m.put("next_scheduled_at", opt(p.nextScheduledAt()));
        m.put("max_concurrent", p.maxConcurrent());
        m.put("time_limit_seconds", p.timeLimitSeconds());
        m.put("disk_limit_mb", p.diskLimitMb());
        m.put("has_webhook_secret", p.webhookSecret().isPresent());
        return m;
    }

    public static Map<String, Object> build(Build b, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("project", b.project());
        m.put("state", b.state().id());
        m.put("trigger", b.trigger());
        m.put("git_url", opt(b.gitUrl()));
        m.put("git_ref", opt(b.gitRef()));
        m.put("git_commit", opt(b.gitCommit()));
        m.put("source_name", opt(b.sourceName()));
        m.put("priority", b.priority());
        m.put("error", opt(b.error()));
        m.put("rerun_of", opt(b.rerunOf()));
        m.put("created_at", b.createdAt().toString());
        m.put("not_before", b.notBefore().toString());
        m.put("started_at", opt(b.startedAt()));
        m.put("finished_at", opt(b.finishedAt()));
        m.put("duration_seconds", b.duration(now).map(d -> d.toMillis() / 1000.0).orElse(null));
        m.put("url", "/api/builds/" + b.id());
        m.put("ui", "/ui/builds/" + b.id());
        return m;
    }

    public static Map<String, Object> job(Job j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("step", j.step().id());
        m.put("target", opt(j.target()));
        m.put("queue", j.queue());
        m.put("state", j.state().id());
        m.put("attempt", j.attempt());
        m.put("max_attempts", j.maxAttempts());
        m.put("worker", opt(j.leaseOwner()));
        m.put("error", opt(j.error()));
        m.put("not_before", j.notBefore().toString());
        m.put("started_at", opt(j.startedAt()));
        m.put("finished_at", opt(j.finishedAt()));
        return m;
    }

    public static Map<String, Object> artifact(Artifact a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("build_id", a.buildId());
        m.put("job_id", a.jobId());
        m.put("filename", a.filename());
        m.put("target", opt(a.target()));
        m.put("sha256", a.sha256());
        m.put("size", a.size());
        m.put("created_at", a.createdAt().toString());
        m.put("url", "/api/builds/" + a.buildId() + "/artifacts/" + a.filename());
        return m;
    }

    public static Map<String, Object> logChunk(LogChunk c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("at", c.at().toString());
        m.put("job_id", opt(c.jobId()));
        m.put("text", c.text());
        return m;
    }

    public static Map<String, Object> claimed(ClaimedJob j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_id", j.jobId());
        m.put("lease_id", j.leaseId());
        m.put("lease_seconds", j.leaseDuration().toSeconds());
        m.put("attempt", j.attempt());
        m.put("build_id", j.buildId());
        m.put("project", j.project());
        m.put("step", j.step().id());
        m.put("target", opt(j.target()));
        m.put("formats", j.formats());
        m.put("build_args", j.buildArgs());
        m.put("smoke_command", opt(j.smokeCommand()));
        m.put("time_limit_seconds", j.timeLimitSeconds());
        m.put("disk_limit_mb", j.diskLimitMb());
        return m;
    }
}
