package io.packyard.builds;

import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildProject;
import io.packyard.builds.model.BuildState;
import io.packyard.builds.model.Job;
import io.packyard.builds.model.JobState;
import io.packyard.builds.model.LogChunk;
import io.packyard.builds.model.Step;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The build service's SQL (tables in db/migration/V2__build_service.sql) and its row mappers. */
final class BuildDao {

    private BuildDao() {}

    static final String BUILD_COLUMNS = "b.*, p.name AS project_name";
    static final String BUILD_FROM = " FROM build b JOIN build_project p ON p.id = b.project_id";

    static Optional<String> str(ResultSet rs, String c) throws SQLException {
        String s = rs.getString(c);
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s.strip());
    }

    static Optional<Instant> time(ResultSet rs, String c) throws SQLException {
        long v = rs.getLong(c);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }

    static List<String> list(ResultSet rs, String c) throws SQLException {
        String s = rs.getString(c);
        if (s == null || s.isBlank()) {
            return List.of();
        }
        return Arrays.stream(s.split("\n")).filter(x -> !x.isEmpty()).toList();
    }

    static String joinLines(List<String> values) {
        return values.isEmpty() ? null : String.join("\n", values);
    }

    static BuildProject project(ResultSet rs) throws SQLException {
        return new BuildProject(rs.getLong("id"), rs.getString("name"), str(rs, "git_url"), str(rs, "git_ref"),
                str(rs, "follow_refs"), str(rs, "webhook_secret"), list(rs, "targets"), list(rs, "formats"),
                list(rs, "build_args"), str(rs, "smoke_command"), str(rs, "publish_repo"), str(rs, "publish_channel"),
                str(rs, "schedule_cron"), time(rs, "next_scheduled_at"), rs.getInt("max_concurrent"),
                rs.getInt("time_limit_seconds"), rs.getInt("disk_limit_mb"),
                Instant.ofEpochMilli(rs.getLong("created_at")), str(rs, "publish_index"),
                str(rs, "publish_index_url"), str(rs, "publish_index_token_file"));
    }

    static Build build(ResultSet rs) throws SQLException {
        long rerun = rs.getLong("rerun_of");
        Optional<Long> rerunOf = rs.wasNull() ? Optional.empty() : Optional.of(rerun);
        return new Build(rs.getLong("id"), rs.getLong("project_id"), rs.getString("project_name"),
                BuildState.parse(rs.getString("state")), rs.getString("build_trigger"), str(rs, "git_url"),
                str(rs, "git_ref"), str(rs, "git_commit"), str(rs, "source_sha256"), str(rs, "source_name"),
                rs.getInt("priority"), str(rs, "error"), rerunOf, Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("not_before")), time(rs, "started_at"), time(rs, "finished_at"));
    }

    static Job job(ResultSet rs) throws SQLException {
        return new Job(rs.getLong("id"), rs.getLong("build_id"), rs.getLong("project_id"),
                Step.parse(rs.getString("step")), rs.getString("queue"), str(rs, "target"),
                JobState.parse(rs.getString("state")), rs.getInt("priority"), rs.getInt("attempt"),
                rs.getInt("max_attempts"), Instant.ofEpochMilli(rs.getLong("not_before")), str(rs, "lease_owner"),
                time(rs, "lease_until"), str(rs, "error"), Instant.ofEpochMilli(rs.getLong("created_at")),
                time(rs, "started_at"), time(rs, "finished_at"));
    }

    static Artifact artifact(ResultSet rs) throws SQLException {
        return new Artifact(rs.getLong("id"), rs.getLong("build_id"), rs.getLong("job_id"), str(rs, "target"),
                rs.getString("filename"), rs.getString("sha256").strip(), rs.getLong("size"),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    static LogChunk log(ResultSet rs) throws SQLException {
        long job = rs.getLong("job_id");
        Optional<Long> jobId = rs.wasNull() ? Optional.empty() : Optional.of(job);
        return new LogChunk(rs.getLong("id"), rs.getLong("build_id"), jobId, Instant.ofEpochMilli(rs.getLong("at")),
                rs.getString("text"));
    }

    static Optional<Build> findBuild(Handle h, long id) {
        return h.createQuery("SELECT " + BUILD_COLUMNS + BUILD_FROM + " WHERE b.id = :id").bind("id", id)
                .map((rs, ctx) -> build(rs)).findOne();
    }

    static Optional<BuildProject> findProject(Handle h, String name) {
        return h.createQuery("SELECT * FROM build_project WHERE name = :n").bind("n", name)
                .map((rs, ctx) -> project(rs)).findOne();
    }

    static Optional<BuildProject> findProject(Handle h, long id) {
        return h.createQuery("SELECT * FROM build_project WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> project(rs)).findOne();
    }

    static List<Job> jobs(Handle h, long buildId) {
        return h.createQuery("SELECT * FROM build_job WHERE build_id = :b ORDER BY stage, id").bind("b", buildId)
                .map((rs, ctx) -> job(rs)).list();
    }

    static Optional<Job> findJob(Handle h, long jobId, boolean forUpdate) {
        return h.createQuery("SELECT * FROM build_job WHERE id = :id" + (forUpdate ? " FOR UPDATE" : ""))
                .bind("id", jobId).map((rs, ctx) -> job(rs)).findOne();
    }

    static void appendLog(Handle h, long buildId, Optional<Long> jobId, Instant at, String text) {
        // VARCHAR(16000): long text goes in several chunks
        for (int i = 0; i < text.length(); i += 15000) {
            String part = text.substring(i, Math.min(text.length(), i + 15000));
            h.createUpdate("INSERT INTO build_log (build_id, job_id, at, text) VALUES (:b, :j, :at, :t)")
                    .bind("b", buildId).bind("j", jobId.orElse(null)).bind("at", at.toEpochMilli()).bind("t", part)
                    .execute();
        }
    }
}
