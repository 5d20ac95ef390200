package io.packyard.builds;

import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildProject;
import io.packyard.builds.model.Job;
import io.packyard.builds.model.JobState;
import io.packyard.builds.model.LogChunk;
import io.packyard.builds.model.Step;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.JobQueue;
import io.packyard.builds.queue.Outcome;
import io.packyard.builds.queue.RetryPolicy;
import io.packyard.python.PackyardException;
import io.packyard.repository.Repository;
import io.packyard.repository.db.Database;
import io.packyard.repository.storage.Blob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * The build service's state: build projects, builds, their jobs (the {@link JobQueue}), logs
 * and artifacts, all in the repository's database and blob store. The HTTP routes, the web UI,
 * the in-process workers and the scheduler all go through this one class.
 *
 * <p>A build's jobs, by stage: SOURCE (the server fetches the git commit or checks the uploaded
 * archive, and stores the source as one canonical .tar.gz), then one BUILD per target, a VERIFY
 * per Linux target when the project has a smoke command, and PUBLISH when it has a publish
 * repository or index. A job waits until every job of an earlier stage succeeded; a job that fails for good
 * fails its build and skips what follows.
 */
public final class BuildService implements JobQueue {

    /** The largest uploaded source archive accepted. */
    public static final long MAX_SOURCE_BYTES = 512L << 20;
    private static final Pattern ARTIFACT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+~-]{0,250}");

    private final Repository repo;
    private final Database db;
    private final RetryPolicy retry;

    public BuildService(Repository repo, RetryPolicy retry) {
        this.repo = Objects.requireNonNull(repo);
        this.db = repo.database();
        this.retry = Objects.requireNonNull(retry);
    }

    public BuildService(Repository repo) {
        this(repo, RetryPolicy.DEFAULT);
    }

    public Repository repository() {
        return repo;
    }

    public RetryPolicy retryPolicy() {
        return retry;
    }

    private Instant now() {
        return repo.clock().instant();
    }

    // ---------------------------------------------------------------- projects

    /** Creates the project, or replaces the settings of the project of that name. */
    public BuildProject saveProject(ProjectSpec s) {
        return db.jdbi().inTransaction(h -> {
            Optional<BuildProject> existing = BuildDao.findProject(h, s.name());
            String sql = existing.isPresent()
                    ? "UPDATE build_project SET git_url = :git, git_ref = :ref, follow_refs = :follow,"
                            + " webhook_secret = :secret, targets = :targets, formats = :formats, build_args = :args,"
                            + " smoke_command = :smoke, publish_repo = :prepo, publish_channel = :pchan,"
                            + " schedule_cron = :cron, next_scheduled_at = :next, max_concurrent = :maxc,"
                            + " time_limit_seconds = :tl, disk_limit_mb = :dl, publish_index = :pindex,"
                            + " publish_index_url = :pindexurl, publish_index_token_file = :pindextoken WHERE name = :name"
                    : "INSERT INTO build_project (name, git_url, git_ref, follow_refs, webhook_secret, targets, formats,"
                            + " build_args, smoke_command, publish_repo, publish_channel, schedule_cron,"
                            + " next_scheduled_at, max_concurrent, time_limit_seconds, disk_limit_mb, created_at,"
                            + " publish_index, publish_index_url, publish_index_token_file)"
                            + " VALUES (:name, :git, :ref, :follow, :secret, :targets, :formats, :args, :smoke,"
                            + " :prepo, :pchan, :cron, :next, :maxc, :tl, :dl, :now, :pindex, :pindexurl, :pindextoken)";
            Long next = s.scheduleCron().map(c -> Schedules.nextRun(c, now()).toEpochMilli()).orElse(null);
            h.createUpdate(sql).bind("name", s.name()).bind("git", s.gitUrl().orElse(null))
                    .bind("ref", s.gitRef().orElse(null)).bind("follow", s.followRefs().orElse(null))
                    .bind("secret", s.webhookSecret().orElse(null)).bind("targets", BuildDao.joinLines(s.targets()))
                    .bind("formats", BuildDao.joinLines(s.formats())).bind("args", BuildDao.joinLines(s.buildArgs()))
                    .bind("smoke", s.smokeCommand().orElse(null)).bind("prepo", s.publishRepo().orElse(null))
                    .bind("pchan", s.publishChannel().orElse(null)).bind("cron", s.scheduleCron().orElse(null))
                    .bind("next", next).bind("maxc", s.maxConcurrent()).bind("tl", s.timeLimitSeconds())
                    .bind("dl", s.diskLimitMb()).bind("now", now().toEpochMilli())
                    .bind("pindex", s.publishIndex().orElse(null)).bind("pindexurl", s.publishIndexUrl().orElse(null))
                    .bind("pindextoken", s.publishIndexTokenFile().orElse(null)).execute();
            return BuildDao.findProject(h, s.name()).orElseThrow();
        });
    }

    public List<BuildProject> projects() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT * FROM build_project ORDER BY name")
                .map((rs, ctx) -> BuildDao.project(rs)).list());
    }

    public Optional<BuildProject> project(String name) {
        return db.jdbi().withHandle(h -> BuildDao.findProject(h, name));
    }

    public BuildProject requireProject(String name) {
        return project(name).orElseThrow(() -> PackyardException.config("no build project named '" + name + "'"));
    }

    // ---------------------------------------------------------------- builds

    /** Queues a build of a project and its jobs; returns it. */
    public Build submit(BuildRequest req) {
        BuildProject p = requireProject(req.project());
        String gitUrl = null;
        String gitRef = null;
        Blob uploaded = null;
        String sourceName = null;
        switch (req.source()) {
            case BuildRequest.Git g -> {
                gitUrl = g.url().or(p::gitUrl).orElseThrow(() -> PackyardException.config("project " + p.name()
                        + " has no git repository: give a git URL or upload a source archive"));
                gitRef = g.ref().or(p::gitRef).orElse("HEAD");
                sourceName = gitUrl + "@" + gitRef;
            }
            case BuildRequest.Archive a -> {
                try (InputStream in = Files.newInputStream(a.file())) {
                    uploaded = repo.blobs().put(in, MAX_SOURCE_BYTES);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                sourceName = a.filename();
            }
        }
        String url = gitUrl;
        String ref = gitRef;
        Blob blob = uploaded;
        String name = sourceName;
        Instant now = now();
        Instant notBefore = req.notBefore().filter(t -> t.isAfter(now)).orElse(now);
        long id = db.jdbi().inTransaction(h -> {
            long buildId = h.createUpdate("INSERT INTO build (project_id, state, build_trigger, git_url, git_ref,"
                            + " source_sha256, source_name, priority, created_at, not_before)"
                            + " VALUES (:p, 'queued', :t, :url, :ref, :src, :sname, :prio, :now, :nb)")
                    .bind("p", p.id()).bind("t", req.trigger()).bind("url", url).bind("ref", ref)
                    .bind("src", blob == null ? null : blob.sha256()).bind("sname", name)
                    .bind("prio", req.priority()).bind("now", now.toEpochMilli()).bind("nb", notBefore.toEpochMilli())
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            insertJobs(h, buildId, p, req.priority(), notBefore);
            BuildDao.appendLog(h, buildId, Optional.empty(), now, "build queued (" + req.trigger() + "): "
                    + p.name() + " from " + name + ", targets " + String.join(", ", p.targets()) + "\n");
            return buildId;
        });
        return build(id).orElseThrow();
    }

    /**
     * A build's jobs, by stage: SOURCE; a BUILD per target; a VERIFY per Linux target when the
     * project has a smoke command; PUBLISH when it publishes anywhere.
     */
    private void insertJobs(Handle h, long buildId, BuildProject p, int priority, Instant notBefore) {
        insertJob(h, buildId, p, Step.SOURCE, null, priority, notBefore);
        for (String target : p.targets()) {
            insertJob(h, buildId, p, Step.BUILD, target, priority, notBefore);
        }
        if (p.smokeCommand().isPresent()) {
            for (String target : p.targets()) {
                if (target.startsWith("linux-")) {
                    insertJob(h, buildId, p, Step.VERIFY, target, priority, notBefore);
                }
            }
        }
        if (p.publishes()) {
            insertJob(h, buildId, p, Step.PUBLISH, null, priority, notBefore);
        }
    }

    private void insertJob(Handle h, long buildId, BuildProject p, Step step, String target, int priority,
            Instant notBefore) {
        h.createUpdate("INSERT INTO build_job (build_id, project_id, stage, step, queue, target, state, priority,"
                        + " attempt, max_attempts, not_before, created_at)"
                        + " VALUES (:b, :p, :stage, :step, :q, :target, :state, :prio, 0, :max, :nb, :now)")
                // only the first stage is claimable; later ones wait until the stage before them succeeded
                .bind("state", step == Step.SOURCE ? JobState.QUEUED.id() : JobState.WAITING.id())
                .bind("b", buildId).bind("p", p.id()).bind("stage", step.stage()).bind("step", step.id())
                .bind("q", step.onServer() ? Step.SERVER_QUEUE : target).bind("target", target)
                .bind("prio", priority).bind("max", retry.maxAttempts()).bind("nb", notBefore.toEpochMilli())
                .bind("now", now().toEpochMilli()).execute();
    }

    public Optional<Build> build(long id) {
        return db.jdbi().withHandle(h -> BuildDao.findBuild(h, id));
    }

    public Build requireBuild(long id) {
        return build(id).orElseThrow(() -> PackyardException.config("no build " + id));
    }

    /** The newest builds first, of one project or all. */
    public List<Build> builds(Optional<String> project, int limit) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT " + BuildDao.BUILD_COLUMNS + BuildDao.BUILD_FROM
                        + (project.isPresent() ? " WHERE p.name = :p" : "") + " ORDER BY b.id DESC LIMIT :lim")
                .bind("p", project.orElse(null)).bind("lim", limit)
                .map((rs, ctx) -> BuildDao.build(rs)).list());
    }

    public List<Job> jobs(long buildId) {
        return db.jdbi().withHandle(h -> BuildDao.jobs(h, buildId));
    }

    /** Cancels a build that has not finished: its queued jobs never run, running ones are told on their next heartbeat. */
    public boolean cancel(long buildId, String byWhom) {
        return db.jdbi().inTransaction(h -> {
            Build b = BuildDao.findBuild(h, buildId).orElseThrow(() -> PackyardException.config("no build " + buildId));
            if (b.state().finished()) {
                return false;
            }
            long now = now().toEpochMilli();
            h.createUpdate("UPDATE build_job SET state = 'cancelled', finished_at = :now, lease_id = NULL"
                            + " WHERE build_id = :b AND state IN ('waiting', 'queued', 'running')")
                    .bind("b", buildId).bind("now", now).execute();
            h.createUpdate("UPDATE build SET state = 'cancelled', finished_at = :now, error = :e WHERE id = :b")
                    .bind("b", buildId).bind("now", now).bind("e", "cancelled by " + byWhom).execute();
            BuildDao.appendLog(h, buildId, Optional.empty(), now(), "build cancelled by " + byWhom + "\n");
            return true;
        });
    }

    /** A new build of the same source (a git build pinned to the commit it built, if it got that far). */
    public Build rerun(long buildId) {
        Build b = requireBuild(buildId);
        Build created;
        if (b.gitUrl().isPresent()) {
            String ref = b.gitCommit().or(b::gitRef).orElse("HEAD");
            created = submit(new BuildRequest(b.project(), new BuildRequest.Git(b.gitUrl(), Optional.of(ref)), "rerun",
                    b.priority(), Optional.empty()));
        } else {
            String sha = b.sourceSha256().orElseThrow(() -> PackyardException.config("build " + buildId + " has no source to re-run"));
            created = db.jdbi().inTransaction(h -> {
                BuildProject p = BuildDao.findProject(h, b.projectId()).orElseThrow();
                Instant now = now();
                long id = h.createUpdate("INSERT INTO build (project_id, state, build_trigger, source_sha256, source_name,"
                                + " priority, created_at, not_before) VALUES (:p, 'queued', 'rerun', :src, :n, :prio, :now, :now)")
                        .bind("p", p.id()).bind("src", sha).bind("n", b.sourceName().orElse("source"))
                        .bind("prio", b.priority()).bind("now", now.toEpochMilli())
                        .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
                insertJobs(h, id, p, b.priority(), now);
                return BuildDao.findBuild(h, id).orElseThrow();
            });
        }
        db.jdbi().useHandle(h -> {
            h.createUpdate("UPDATE build SET rerun_of = :o WHERE id = :id").bind("o", buildId).bind("id", created.id()).execute();
            BuildDao.appendLog(h, created.id(), Optional.empty(), now(), "re-run of build " + buildId + "\n");
        });
        return requireBuild(created.id());
    }

    /** Records the source a SOURCE step produced (the canonical archive, and the git commit if any). */
    public void setSource(long buildId, String sha256, Optional<String> commit) {
        db.jdbi().useHandle(h -> h.createUpdate("UPDATE build SET source_sha256 = :s, git_commit = :c WHERE id = :id")
                .bind("s", sha256).bind("c", commit.orElse(null)).bind("id", buildId).execute());
    }

    /** The build's source archive (.tar.gz once its SOURCE step ran; the upload before). */
    public InputStream openSource(long buildId) throws IOException {
        Build b = requireBuild(buildId);
        String sha = b.sourceSha256().orElseThrow(() -> new IOException("build " + buildId + " has no source yet"));
        return repo.blobs().open(sha);
    }

    // ---------------------------------------------------------------- logs

    public void appendLog(long buildId, Optional<Long> jobId, String text) {
        if (text.isEmpty()) {
            return;
        }
        db.jdbi().useHandle(h -> BuildDao.appendLog(h, buildId, jobId, now(), text));
    }

    /** The build's log chunks after {@code afterId}, oldest first, at most {@code limit}. */
    public List<LogChunk> log(long buildId, long afterId, int limit) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT * FROM build_log WHERE build_id = :b AND id > :a"
                        + " ORDER BY id LIMIT :lim")
                .bind("b", buildId).bind("a", afterId).bind("lim", limit).map((rs, ctx) -> BuildDao.log(rs)).list());
    }

    /** The whole log as text. */
    public String logText(long buildId) {
        return log(buildId, 0, Integer.MAX_VALUE).stream().map(LogChunk::text).collect(Collectors.joining());
    }

    // ---------------------------------------------------------------- artifacts

    /**
     * Stores a file a running job produced, under the job's lease. It becomes one of the build's
     * artifacts only if this attempt completes the job.
     *
     * @throws PackyardException when the lease is not (or no longer) the caller's, or the name is bad
     */
    public Artifact addArtifact(long jobId, String leaseId, String filename, InputStream content) throws IOException {
        if (!ARTIFACT_NAME.matcher(filename).matches() || filename.contains("..")) {
            throw PackyardException.config("artifact name '" + filename + "': expected a plain file name");
        }
        Job job = db.jdbi().withHandle(h -> BuildDao.findJob(h, jobId, false))
                .orElseThrow(() -> PackyardException.config("no job " + jobId));
        requireLease(jobId, leaseId);
        Blob blob = repo.blobs().put(content, Long.MAX_VALUE);
        return db.jdbi().inTransaction(h -> {
            requireLease(h, jobId, leaseId);
            h.createUpdate("DELETE FROM build_artifact WHERE job_id = :j AND lease_id = :l AND filename = :f")
                    .bind("j", jobId).bind("l", leaseId).bind("f", filename).execute();
            long id = h.createUpdate("INSERT INTO build_artifact (build_id, job_id, lease_id, committed, target, filename,"
                            + " sha256, size, created_at) VALUES (:b, :j, :l, FALSE, :t, :f, :s, :n, :now)")
                    .bind("b", job.buildId()).bind("j", jobId).bind("l", leaseId).bind("t", job.target().orElse(null))
                    .bind("f", filename).bind("s", blob.sha256()).bind("n", blob.size())
                    .bind("now", now().toEpochMilli())
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            return h.createQuery("SELECT * FROM build_artifact WHERE id = :id").bind("id", id)
                    .map((rs, ctx) -> BuildDao.artifact(rs)).one();
        });
    }

    /** The build's artifacts (from the attempts that completed their jobs). */
    public List<Artifact> artifacts(long buildId) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT * FROM build_artifact WHERE build_id = :b AND committed"
                        + " ORDER BY target, filename")
                .bind("b", buildId).map((rs, ctx) -> BuildDao.artifact(rs)).list());
    }

    public Optional<Artifact> artifact(long buildId, String filename) {
        return artifacts(buildId).stream().filter(a -> a.filename().equals(filename)).findFirst();
    }

    public InputStream openArtifact(Artifact a) throws IOException {
        return repo.blobs().open(a.sha256());
    }

    private void requireLease(long jobId, String leaseId) {
        db.jdbi().useHandle(h -> requireLease(h, jobId, leaseId));
    }

    private static void requireLease(Handle h, long jobId, String leaseId) {
        int n = h.createQuery("SELECT COUNT(*) FROM build_job WHERE id = :id AND lease_id = :l AND state = 'running'")
                .bind("id", jobId).bind("l", leaseId).mapTo(Integer.class).one();
        if (n == 0) {
            throw new LeaseLostException("job " + jobId + ": the lease is not held (the job was cancelled or taken over)");
        }
    }

    /** The caller no longer holds the job's lease. */
    public static final class LeaseLostException extends PackyardException {
        public LeaseLostException(String message) {
            super(Kind.BUILD, message);
        }
    }

    // ---------------------------------------------------------------- the queue

    @Override
    public Optional<ClaimedJob> claim(List<String> queues, String workerName, Duration lease) {
        if (queues.isEmpty()) {
            return Optional.empty();
        }
        for (int round = 0; round < 3; round++) {
            Optional<Optional<ClaimedJob>> r = db.jdbi().inTransaction(h -> tryClaim(h, queues, workerName, lease));
            if (r.isPresent()) {
                return r.get();
            }
        }
        return Optional.empty();
    }

    /** Empty: lost every race this round (try again); present: the result. */
    private Optional<Optional<ClaimedJob>> tryClaim(Handle h, List<String> queues, String worker, Duration lease) {
        long now = now().toEpochMilli();
        boolean pg = db.dialect() == Database.Dialect.POSTGRESQL;
        List<Long> candidates = h.createQuery("SELECT j.id FROM build_job j WHERE j.state = 'queued'"
                        + " AND j.queue IN (<queues>) AND j.not_before <= :now"
                        + " AND (j.queue = 'server' OR (SELECT COUNT(*) FROM build_job r WHERE r.project_id = j.project_id"
                        + "   AND r.state = 'running' AND r.queue <> 'server')"
                        + "   < (SELECT max_concurrent FROM build_project bp WHERE bp.id = j.project_id))"
                        + " ORDER BY j.priority DESC, j.id LIMIT 8" + (pg ? " FOR UPDATE OF j SKIP LOCKED" : ""))
                .bindList("queues", queues).bind("now", now).mapTo(Long.class).list();
        if (candidates.isEmpty()) {
            return Optional.of(Optional.empty());
        }
        for (long id : candidates) {
            String leaseId = UUID.randomUUID().toString();
            int n = h.createUpdate("UPDATE build_job SET state = 'running', lease_id = :l, lease_owner = :o,"
                            + " lease_until = :u, lease_ms = :ms, attempt = attempt + 1, started_at = :now, error = NULL"
                            + " WHERE id = :id AND state = 'queued'")
                    .bind("l", leaseId).bind("o", worker).bind("u", now + lease.toMillis()).bind("ms", lease.toMillis()).bind("now", now)
                    .bind("id", id).execute();
            if (n == 1) {
                Job job = BuildDao.findJob(h, id, false).orElseThrow();
                h.createUpdate("UPDATE build SET state = 'running', started_at = COALESCE(started_at, :now)"
                                + " WHERE id = :b AND state = 'queued'")
                        .bind("b", job.buildId()).bind("now", now).execute();
                Build b = BuildDao.findBuild(h, job.buildId()).orElseThrow();
                BuildProject p = BuildDao.findProject(h, job.projectId()).orElseThrow();
                BuildDao.appendLog(h, job.buildId(), Optional.of(id), now(), "== " + job.step().id()
                        + job.target().map(t -> " " + t).orElse("") + ": attempt " + job.attempt() + " on " + worker + "\n");
                return Optional.of(Optional.of(new ClaimedJob(id, leaseId, lease, job.attempt(), b.id(), p.name(),
                        job.step(), job.target(), p.formats(), p.buildArgs(), p.smokeCommand(), p.timeLimitSeconds(),
                        p.diskLimitMb())));
            }
        }
        return Optional.empty();
    }

    @Override
    public Heartbeat heartbeat(long jobId, String leaseId) {
        return db.jdbi().withHandle(h -> {
            Job job = BuildDao.findJob(h, jobId, false).orElse(null);
            if (job == null) {
                return Heartbeat.LOST;
            }
            int n = h.createUpdate("UPDATE build_job SET lease_until = :now + lease_ms WHERE id = :id AND lease_id = :l"
                            + " AND state = 'running'")
                    .bind("now", now().toEpochMilli()).bind("id", jobId).bind("l", leaseId).execute();
            if (n == 1) {
                return Heartbeat.OK;
            }
            return job.state() == JobState.CANCELLED ? Heartbeat.CANCELLED : Heartbeat.LOST;
        });
    }

    @Override
    public boolean complete(long jobId, String leaseId, Outcome outcome, String message) {
        return db.jdbi().inTransaction(h -> {
            Job job = BuildDao.findJob(h, jobId, true).orElse(null);
            if (job == null || job.state() != JobState.RUNNING) {
                return false;
            }
            String held = h.createQuery("SELECT lease_id FROM build_job WHERE id = :id").bind("id", jobId)
                    .mapTo(String.class).findOne().orElse(null);
            if (!Objects.equals(held, leaseId)) {
                return false;
            }
            finish(h, job, leaseId, outcome, message);
            return true;
        });
    }

    private void finish(Handle h, Job job, String leaseId, Outcome outcome, String message) {
        long now = now().toEpochMilli();
        String what = job.step().id() + job.target().map(t -> " " + t).orElse("");
        String msg = message == null ? "" : message.lines().findFirst().orElse("");
        switch (outcome) {
            case SUCCEEDED -> {
                h.createUpdate("UPDATE build_job SET state = 'succeeded', finished_at = :now, lease_id = NULL, error = NULL"
                        + " WHERE id = :id").bind("now", now).bind("id", job.id()).execute();
                h.createUpdate("UPDATE build_artifact SET committed = TRUE WHERE job_id = :j AND lease_id = :l")
                        .bind("j", job.id()).bind("l", leaseId).execute();
                h.createUpdate("DELETE FROM build_artifact WHERE job_id = :j AND lease_id <> :l")
                        .bind("j", job.id()).bind("l", leaseId).execute();
                BuildDao.appendLog(h, job.buildId(), Optional.of(job.id()), now(), "== " + what + ": succeeded\n");
                promoteNextStage(h, job);
            }
            case FAILED -> failForGood(h, job, msg);
            case INFRA_ERROR -> {
                int attempt = job.attempt();
                if (attempt < job.maxAttempts()) {
                    Duration delay = retry.delayAfter(attempt);
                    h.createUpdate("UPDATE build_job SET state = 'queued', lease_id = NULL, lease_owner = NULL,"
                                    + " lease_until = NULL, not_before = :nb, error = :e WHERE id = :id")
                            .bind("nb", now + delay.toMillis()).bind("e", msg).bind("id", job.id()).execute();
                    h.createUpdate("DELETE FROM build_artifact WHERE job_id = :j AND NOT committed")
                            .bind("j", job.id()).execute();
                    BuildDao.appendLog(h, job.buildId(), Optional.of(job.id()), now(), "== " + what + ": attempt "
                            + attempt + " failed (" + msg + "); retrying in " + delay.toSeconds() + " s\n");
                } else {
                    failForGood(h, job, "gave up after " + attempt + " attempts: " + msg);
                }
            }
        }
        settle(h, job.buildId());
    }

    /** Once every job of {@code done}'s stage succeeded, the next stage's waiting jobs become claimable. */
    private static void promoteNextStage(Handle h, Job done) {
        int unfinished = h.createQuery("SELECT COUNT(*) FROM build_job WHERE build_id = :b AND stage = :s"
                        + " AND state <> 'succeeded'")
                .bind("b", done.buildId()).bind("s", done.step().stage()).mapTo(Integer.class).one();
        if (unfinished > 0) {
            return;
        }
        Optional<Integer> next = h.createQuery("SELECT MIN(stage) FROM build_job WHERE build_id = :b AND state = 'waiting'")
                .bind("b", done.buildId()).mapTo(Integer.class).findOne();
        next.ifPresent(stage -> h.createUpdate("UPDATE build_job SET state = 'queued' WHERE build_id = :b AND stage = :s"
                        + " AND state = 'waiting'")
                .bind("b", done.buildId()).bind("s", stage).execute());
    }

    private void failForGood(Handle h, Job job, String msg) {
        long now = now().toEpochMilli();
        String what = job.step().id() + job.target().map(t -> " " + t).orElse("");
        h.createUpdate("UPDATE build_job SET state = 'failed', finished_at = :now, lease_id = NULL, error = :e WHERE id = :id")
                .bind("now", now).bind("e", msg).bind("id", job.id()).execute();
        h.createUpdate("DELETE FROM build_artifact WHERE job_id = :j AND NOT committed").bind("j", job.id()).execute();
        BuildDao.appendLog(h, job.buildId(), Optional.of(job.id()), now(), "== " + what + ": FAILED: " + msg + "\n");
    }

    /** Derives the build's state from its jobs. */
    private void settle(Handle h, long buildId) {
        Build b = BuildDao.findBuild(h, buildId).orElseThrow();
        if (b.state().finished()) {
            return;
        }
        List<Job> jobs = BuildDao.jobs(h, buildId);
        long now = now().toEpochMilli();
        Optional<Job> failed = jobs.stream().filter(j -> j.state() == JobState.FAILED).findFirst();
        if (failed.isPresent()) {
            h.createUpdate("UPDATE build_job SET state = 'skipped', finished_at = :now WHERE build_id = :b"
                            + " AND state IN ('queued', 'waiting')")
                    .bind("b", buildId).bind("now", now).execute();
            boolean running = jobs.stream().anyMatch(j -> j.state() == JobState.RUNNING);
            if (!running) {
                Job f = failed.get();
                String error = f.step().id() + f.target().map(t -> " " + t).orElse("") + ": " + f.error().orElse("failed");
                h.createUpdate("UPDATE build SET state = 'failed', finished_at = :now, error = :e WHERE id = :b")
                        .bind("now", now).bind("e", error.length() > 3900 ? error.substring(0, 3900) : error)
                        .bind("b", buildId).execute();
                BuildDao.appendLog(h, buildId, Optional.empty(), now(), "build failed: " + error + "\n");
            }
            return;
        }
        if (jobs.stream().allMatch(j -> j.state() == JobState.SUCCEEDED || j.state() == JobState.SKIPPED)) {
            h.createUpdate("UPDATE build SET state = 'succeeded', finished_at = :now WHERE id = :b")
                    .bind("now", now).bind("b", buildId).execute();
            BuildDao.appendLog(h, buildId, Optional.empty(), now(), "build succeeded\n");
        }
    }

    @Override
    public int reapExpiredLeases() {
        long now = now().toEpochMilli();
        List<Job> expired = db.jdbi().withHandle(h -> h.createQuery("SELECT * FROM build_job WHERE state = 'running'"
                        + " AND lease_until < :now").bind("now", now).map((rs, ctx) -> BuildDao.job(rs)).list());
        int n = 0;
        for (Job j : expired) {
            boolean done = db.jdbi().inTransaction(h -> {
                Job cur = BuildDao.findJob(h, j.id(), true).orElse(null);
                if (cur == null || cur.state() != JobState.RUNNING || cur.leaseUntil().isEmpty()
                        || cur.leaseUntil().get().toEpochMilli() >= now) {
                    return false;
                }
                String lease = h.createQuery("SELECT lease_id FROM build_job WHERE id = :id").bind("id", j.id())
                        .mapTo(String.class).one();
                finish(h, cur, lease, Outcome.INFRA_ERROR, "worker " + cur.leaseOwner().orElse("?")
                        + " lost (no heartbeat; lease expired)");
                return true;
            });
            if (done) {
                n++;
            }
        }
        return n;
    }

    public Optional<Job> job(long jobId) {
        return db.jdbi().withHandle(h -> BuildDao.findJob(h, jobId, false));
    }

    /** Jobs of one state across all builds (for the UI and tests). */
    public List<Job> jobsIn(JobState state) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT * FROM build_job WHERE state = :s ORDER BY id")
                .bind("s", state.id()).map((rs, ctx) -> BuildDao.job(rs)).list());
    }
}
