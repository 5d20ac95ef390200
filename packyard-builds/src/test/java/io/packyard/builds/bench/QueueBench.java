package io.packyard.builds.bench;

import io.packyard.builds.BuildRequest;
import io.packyard.builds.BuildService;
import io.packyard.builds.ProjectSpec;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildState;
import io.packyard.builds.model.Step;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Outcome;
import io.packyard.repository.Repository;
import io.packyard.repository.db.Database;
import io.packyard.testkit.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java side of bench/queue-throughput.sh: no-op jobs through Packyard's build queue
 * ({@link BuildService#claim} / {@link BuildService#complete} on PostgreSQL) against a plain
 * {@code FOR UPDATE SKIP LOCKED} queue on the same server with the same connection pool, in one
 * run. Not a test; run with
 * {@code java -cp <test classes>:<classes>:<dependencies> io.packyard.builds.bench.QueueBench}.
 *
 * <p>Packyard's side: {@code JOBS/2} builds of one project (one target, no smoke test, no
 * publish), so each build has a SOURCE job (queue {@code server}) and a BUILD job (queue
 * {@code linux-x86_64}) that waits for it: {@code JOBS} jobs in all, every queue rule applied
 * (stages, the project's concurrency limit, set to the number of workers so that it never
 * binds). {@code WORKERS} threads each loop {@code claim([server, linux-x86_64])} then
 * {@code complete(SUCCEEDED)} until every build has succeeded; a claim that finds nothing (a
 * BUILD job whose SOURCE job another worker holds) is counted, and the worker tries again after
 * 1 ms.
 *
 * <p>The baseline: {@code JOBS} rows in one plain table, claimed by the same number of threads
 * with {@code UPDATE ... WHERE id = (SELECT id ... FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id}
 * and completed with one {@code UPDATE}, each statement in its own (auto-committed) transaction,
 * through the same {@link Database} pool (HikariCP, 16 connections).
 *
 * <p>Each round creates fresh databases and runs Packyard then the baseline; rounds alternate
 * so background load hits both alike. Prints per round and the medians: claim latency p50/p99
 * (successful claims), complete latency p50, jobs per second (wall clock from the first claim
 * to the last completion) and the ratios. Environment: JOBS (1000), WORKERS (8), ROUNDS (3),
 * WARMUP_JOBS (200: one untimed round of each first, to warm up the JIT and the pool), BREAKDOWN
 * (1: afterwards, single-threaded timings of a round trip, the claim's candidate query, a claim and
 * a completion, and the candidate query's plan; 0 to skip), PEER_CLASS (a class with
 * {@code static long run(String jdbcUrl, int jobs, int workers)} returning the wall nanoseconds of
 * JOBS no-op jobs through another queue, on a fresh database of the same server: the script passes
 * bench/queue-throughput/DbSchedulerPeer when db-scheduler is available).
 */
public final class QueueBench {

    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final List<String> QUEUES = List.of(Step.SERVER_QUEUE, "linux-x86_64");

    private QueueBench() {
    }

    /** One side's figures of one round. */
    record Result(String name, int jobs, long wallNanos, long[] claimNanos, long[] completeNanos, long emptyClaims) {
        double jobsPerSecond() {
            return jobs / (wallNanos / 1e9);
        }

        double claimP(double p) {
            return percentile(claimNanos, p) / 1e6;
        }

        double completeP(double p) {
            return percentile(completeNanos, p) / 1e6;
        }

        String line() {
            return String.format(Locale.ROOT,
                    "  %-28s %6d jobs in %7.3f s = %8.1f jobs/s   claim p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms"
                            + "   complete p50 %7.3f ms  p99 %7.3f ms   empty claims %d",
                    name, jobs, wallNanos / 1e9, jobsPerSecond(), claimP(50), claimP(99), claimP(100), completeP(50),
                    completeP(99), emptyClaims);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        int jobs = Integer.parseInt(env.getOrDefault("JOBS", "1000"));
        int workers = Integer.parseInt(env.getOrDefault("WORKERS", "8"));
        int rounds = Integer.parseInt(env.getOrDefault("ROUNDS", "3"));
        int warmup = Integer.parseInt(env.getOrDefault("WARMUP_JOBS", "200"));
        if (jobs < 2 || jobs % 2 != 0 || workers < 1 || rounds < 1 || warmup < 0 || warmup % 2 != 0) {
            System.err.println("QueueBench: JOBS (even, >= 2), WORKERS >= 1, ROUNDS >= 1, WARMUP_JOBS (even, >= 0)");
            System.exit(2);
        }
        Path work = Files.createTempDirectory("packyard-queue-bench-");
        long t0 = System.nanoTime();
        try (TestPostgres pg = TestPostgres.start()) {
            System.out.printf(Locale.ROOT, "PostgreSQL started in %.1f s (port %d, fsync=off, %s)%n",
                    (System.nanoTime() - t0) / 1e9, pg.port(), serverVersion(pg));
            System.out.printf(Locale.ROOT, "%d jobs, %d workers, %d rounds (alternating), connection pool: HikariCP,"
                    + " 16 connections (io.packyard.repository.db.Database), both sides%n", jobs, workers, rounds);
            java.lang.reflect.Method peer = null;
            String peerClass = env.getOrDefault("PEER_CLASS", "");
            if (!peerClass.isEmpty()) {
                peer = Class.forName(peerClass).getMethod("run", String.class, int.class, int.class);
            }
            if (warmup > 0) {
                System.out.println("warm-up (untimed): " + warmup + " jobs of each");
                System.out.println(packyard(pg, work, warmup, workers, "packyard (warm-up)").line());
                System.out.println(baseline(pg, work, warmup, workers, "skip locked (warm-up)").line());
                if (peer != null) {
                    System.out.println(peer(peer, pg, warmup, workers, "db-scheduler (warm-up)"));
                }
            }
            List<Result> py = new ArrayList<>();
            List<Result> base = new ArrayList<>();
            List<Double> peerRates = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                System.out.println("round " + r + "/" + rounds);
                Result a = packyard(pg, work, jobs, workers, "packyard BuildService");
                System.out.println(a.line());
                py.add(a);
                Result b = baseline(pg, work, jobs, workers, "plain SKIP LOCKED");
                System.out.println(b.line());
                base.add(b);
                System.out.printf(Locale.ROOT, "  ratio packyard/baseline: jobs/s %.3f, claim p50 %.2fx, claim p99 %.2fx%n",
                        a.jobsPerSecond() / b.jobsPerSecond(), a.claimP(50) / b.claimP(50), a.claimP(99) / b.claimP(99));
                if (peer != null) {
                    double rate = peerRate(peer, pg, jobs, workers);
                    peerRates.add(rate);
                    System.out.printf(Locale.ROOT, "  %-28s %6d jobs: %8.1f jobs/s (lock-and-fetch, 10 ms polling; no per-claim"
                            + " latency: it claims in batches)   packyard/db-scheduler jobs/s %.3f%n", "db-scheduler", jobs, rate,
                            a.jobsPerSecond() / rate);
                }
            }
            if (!"0".equals(env.getOrDefault("BREAKDOWN", "1"))) {
                breakdown(pg, work, jobs);
            }
            System.out.println();
            System.out.println("medians over " + rounds + " rounds:");
            summary("packyard BuildService", py);
            summary("plain SKIP LOCKED", base);
            double pj = median(py.stream().mapToDouble(Result::jobsPerSecond).toArray());
            double bj = median(base.stream().mapToDouble(Result::jobsPerSecond).toArray());
            double p50a = median(py.stream().mapToDouble(x -> x.claimP(50)).toArray());
            double p50b = median(base.stream().mapToDouble(x -> x.claimP(50)).toArray());
            double p99a = median(py.stream().mapToDouble(x -> x.claimP(99)).toArray());
            double p99b = median(base.stream().mapToDouble(x -> x.claimP(99)).toArray());
            System.out.printf(Locale.ROOT, "RESULT packyard_jobs_per_s=%.1f baseline_jobs_per_s=%.1f throughput_ratio=%.3f"
                    + " packyard_claim_p50_ms=%.3f packyard_claim_p99_ms=%.3f baseline_claim_p50_ms=%.3f"
                    + " baseline_claim_p99_ms=%.3f claim_p50_ratio=%.2f claim_p99_ratio=%.2f%n",
                    pj, bj, pj / bj, p50a, p99a, p50b, p99b, p50a / p50b, p99a / p99b);
            if (!peerRates.isEmpty()) {
                double dj = median(peerRates.stream().mapToDouble(Double::doubleValue).toArray());
                System.out.printf(Locale.ROOT, "  %-28s %8.1f jobs/s%n", "db-scheduler", dj);
                System.out.printf(Locale.ROOT, "RESULT_PEER dbscheduler_jobs_per_s=%.1f packyard_vs_dbscheduler=%.3f%n", dj, pj / dj);
            }
        } finally {
            deleteTree(work);
        }
    }

    private static void summary(String name, List<Result> rs) {
        System.out.printf(Locale.ROOT, "  %-28s %8.1f jobs/s   claim p50 %7.3f ms  p99 %7.3f ms   complete p50 %7.3f ms%n",
                name, median(rs.stream().mapToDouble(Result::jobsPerSecond).toArray()),
                median(rs.stream().mapToDouble(x -> x.claimP(50)).toArray()),
                median(rs.stream().mapToDouble(x -> x.claimP(99)).toArray()),
                median(rs.stream().mapToDouble(x -> x.completeP(50)).toArray()));
    }

    // ---------------------------------------------------------------- an optional peer (db-scheduler)

    private static double peerRate(java.lang.reflect.Method peer, TestPostgres pg, int jobs, int workers) throws Exception {
        long wall = (long) peer.invoke(null, pg.createDatabase("peer_bench"), jobs, workers);
        return jobs / (wall / 1e9);
    }

    private static String peer(java.lang.reflect.Method peer, TestPostgres pg, int jobs, int workers, String name)
            throws Exception {
        return String.format(Locale.ROOT, "  %-28s %6d jobs: %8.1f jobs/s", name, jobs, peerRate(peer, pg, jobs, workers));
    }

    // ---------------------------------------------------------------- Packyard's queue

    private static Result packyard(TestPostgres pg, Path work, int jobs, int workers, String name) throws Exception {
        Path data = Files.createTempDirectory(work, "repo-");
        Repository repo = Repository.builder().dataDir(data).databaseUrl(pg.createDatabase("queue_bench")).build();
        try {
            BuildService service = new BuildService(repo);
            service.saveProject(ProjectSpec.builder("bench").git("file:///nowhere/bench.git", "main")
                    .targets("linux-x86_64").formats("tar.gz").maxConcurrent(Math.max(workers, 1)).build());
            int builds = jobs / 2;
            List<Long> ids = new ArrayList<>(builds);
            for (int i = 0; i < builds; i++) {
                Build b = service.submit(BuildRequest.of("bench", BuildRequest.Git.projectDefault()));
                if (service.jobs(b.id()).size() != 2) {
                    throw new IllegalStateException("expected 2 jobs per build, got " + service.jobs(b.id()));
                }
                ids.add(b.id());
            }
            AtomicInteger completed = new AtomicInteger();
            AtomicLong empty = new AtomicLong();
            Result r = runWorkers(workers, jobs, completed, (w, claimOut, completeOut) -> {
                String worker = "w" + w;
                while (completed.get() < jobs) {
                    long a = System.nanoTime();
                    Optional<ClaimedJob> c = service.claim(QUEUES, worker, LEASE);
                    long b = System.nanoTime();
                    if (c.isEmpty()) {
                        empty.incrementAndGet();
                        Thread.sleep(1);
                        continue;
                    }
                    claimOut.add(b - a);
                    if (!service.complete(c.get().jobId(), c.get().leaseId(), Outcome.SUCCEEDED, "")) {
                        throw new IllegalStateException("complete refused for job " + c.get().jobId());
                    }
                    completeOut.add(System.nanoTime() - b);
                    completed.incrementAndGet();
                }
            });
            long notDone = ids.stream().filter(id -> service.requireBuild(id).state() != BuildState.SUCCEEDED).count();
            if (notDone != 0 || completed.get() != jobs) {
                throw new IllegalStateException(notDone + " builds did not succeed; " + completed.get() + " of " + jobs
                        + " jobs completed");
            }
            return new Result(name, jobs, r.wallNanos(), r.claimNanos(), r.completeNanos(), empty.get());
        } finally {
            repo.close();
            deleteTree(data);
        }
    }

    /**
     * Where a claim's time goes, single-threaded (no contention), with JOBS/2 builds queued: one
     * round trip ({@code SELECT 1}), the claim's candidate query alone (the same SQL as
     * BuildService's, in a transaction rolled back), a whole claim and a whole completion, and
     * the candidate query's plan.
     */
    private static void breakdown(TestPostgres pg, Path work, int jobs) throws Exception {
        Path data = Files.createTempDirectory(work, "breakdown-");
        Repository repo = Repository.builder().dataDir(data).databaseUrl(pg.createDatabase("queue_breakdown")).build();
        try {
            BuildService service = new BuildService(repo);
            service.saveProject(ProjectSpec.builder("bench").git("file:///nowhere/bench.git", "main")
                    .targets("linux-x86_64").formats("tar.gz").maxConcurrent(8).build());
            for (int i = 0; i < jobs / 2; i++) {
                service.submit(BuildRequest.of("bench", BuildRequest.Git.projectDefault()));
            }
            var jdbi = repo.database().jdbi();
            String candidates = "SELECT j.id FROM build_job j WHERE j.state = 'queued'"
                    + " AND j.queue IN ('server', 'linux-x86_64') AND j.not_before <= :now"
                    + " AND (j.queue = 'server' OR (SELECT COUNT(*) FROM build_job r WHERE r.project_id = j.project_id"
                    + "   AND r.state = 'running' AND r.queue <> 'server')"
                    + "   < (SELECT max_concurrent FROM build_project bp WHERE bp.id = j.project_id))"
                    + " ORDER BY j.priority DESC, j.id LIMIT 8 FOR UPDATE OF j SKIP LOCKED";
            int n = Math.min(200, jobs);
            long[] rt = new long[n];
            long[] cq = new long[n];
            for (int i = 0; i < n; i++) {
                long a = System.nanoTime();
                jdbi.useHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
                rt[i] = System.nanoTime() - a;
                a = System.nanoTime();
                jdbi.useHandle(h -> {
                    h.begin();
                    h.createQuery(candidates).bind("now", System.currentTimeMillis()).mapTo(Long.class).list();
                    h.rollback();
                });
                cq[i] = System.nanoTime() - a;
            }
            long[] cl = new long[n];
            long[] co = new long[n];
            for (int i = 0; i < n; i++) {
                long a = System.nanoTime();
                ClaimedJob c = service.claim(QUEUES, "w", LEASE).orElseThrow();
                long b = System.nanoTime();
                service.complete(c.jobId(), c.leaseId(), Outcome.SUCCEEDED, "");
                cl[i] = b - a;
                co[i] = System.nanoTime() - b;
            }
            System.out.printf(Locale.ROOT, "breakdown (1 thread, %d jobs queued, %d samples, p50): round trip (SELECT 1) %.3f ms,"
                    + " candidate query (BEGIN, SELECT ... FOR UPDATE SKIP LOCKED, ROLLBACK) %.3f ms, claim() %.3f ms,"
                    + " complete() %.3f ms%n", jobs, n, percentile(rt, 50) / 1e6, percentile(cq, 50) / 1e6,
                    percentile(cl, 50) / 1e6, percentile(co, 50) / 1e6);
            for (String when : List.of("as the queue left them", "after ANALYZE build_job")) {
                if (when.startsWith("after")) {
                    jdbi.useHandle(h -> h.execute("ANALYZE build_job"));
                }
                for (int i = 0; i < n; i++) {
                    long a = System.nanoTime();
                    jdbi.useHandle(h -> {
                        h.begin();
                        h.createQuery(candidates).bind("now", System.currentTimeMillis()).mapTo(Long.class).list();
                        h.rollback();
                    });
                    cq[i] = System.nanoTime() - a;
                }
                System.out.printf(Locale.ROOT, "candidate query with %d jobs left, statistics %s: p50 %.3f ms; plan:%n",
                        jobs - n, when, percentile(cq, 50) / 1e6);
                jdbi.useHandle(h -> {
                    h.begin();
                    h.createQuery("EXPLAIN ANALYZE " + candidates).bind("now", System.currentTimeMillis())
                            .mapTo(String.class).list().forEach(l -> System.out.println("    " + l));
                    h.rollback();
                });
            }
        } finally {
            repo.close();
            deleteTree(data);
        }
    }

    // ---------------------------------------------------------------- the baseline

    private static Result baseline(TestPostgres pg, Path work, int jobs, int workers, String name) throws Exception {
        Path data = Files.createTempDirectory(work, "base-");
        Database db = Database.open(data, pg.createDatabase("skip_locked_bench"));
        try {
            db.jdbi().useHandle(h -> {
                h.execute("CREATE TABLE bench_job (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                        + " queue VARCHAR(64) NOT NULL, state VARCHAR(16) NOT NULL, priority INTEGER NOT NULL,"
                        + " lease_owner VARCHAR(256), lease_until BIGINT, created_at BIGINT NOT NULL,"
                        + " started_at BIGINT, finished_at BIGINT)");
                h.execute("CREATE INDEX bench_job_claim ON bench_job (state, queue, priority DESC, id)");
                var batch = h.prepareBatch("INSERT INTO bench_job (queue, state, priority, created_at)"
                        + " VALUES (:q, 'queued', 0, :now)");
                for (int i = 0; i < jobs; i++) {
                    batch.bind("q", i % 2 == 0 ? Step.SERVER_QUEUE : "linux-x86_64")
                            .bind("now", System.currentTimeMillis()).add();
                }
                batch.execute();
                h.execute("ANALYZE bench_job");
            });
            AtomicInteger completed = new AtomicInteger();
            AtomicLong empty = new AtomicLong();
            Result r = runWorkers(workers, jobs, completed, (w, claimOut, completeOut) -> {
                String worker = "w" + w;
                while (completed.get() < jobs) {
                    long a = System.nanoTime();
                    long now = System.currentTimeMillis();
                    Optional<Long> id = db.jdbi().withHandle(h -> h.createQuery("UPDATE bench_job SET state = 'running',"
                                    + " lease_owner = :w, lease_until = :u, started_at = :now WHERE id = (SELECT id FROM bench_job"
                                    + " WHERE state = 'queued' AND queue IN (<queues>) ORDER BY priority DESC, id LIMIT 1"
                                    + " FOR UPDATE SKIP LOCKED) RETURNING id")
                            .bind("w", worker).bind("u", now + LEASE.toMillis()).bind("now", now)
                            .bindList("queues", QUEUES).mapTo(Long.class).findOne());
                    long b = System.nanoTime();
                    if (id.isEmpty()) {
                        empty.incrementAndGet();
                        Thread.sleep(1);
                        continue;
                    }
                    claimOut.add(b - a);
                    int n = db.jdbi().withHandle(h -> h.createUpdate("UPDATE bench_job SET state = 'succeeded',"
                                    + " finished_at = :now, lease_owner = NULL WHERE id = :id AND lease_owner = :w"
                                    + " AND state = 'running'")
                            .bind("now", System.currentTimeMillis()).bind("id", id.get()).bind("w", worker).execute());
                    if (n != 1) {
                        throw new IllegalStateException("complete refused for job " + id.get());
                    }
                    completeOut.add(System.nanoTime() - b);
                    completed.incrementAndGet();
                }
            });
            int done = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM bench_job WHERE state = 'succeeded'")
                    .mapTo(Integer.class).one());
            if (done != jobs) {
                throw new IllegalStateException(done + " of " + jobs + " baseline jobs succeeded");
            }
            return new Result(name, jobs, r.wallNanos(), r.claimNanos(), r.completeNanos(), empty.get());
        } finally {
            db.close();
            deleteTree(data);
        }
    }

    // ---------------------------------------------------------------- harness

    /** A growable list of nanosecond samples (one per worker thread, no sharing). */
    static final class Samples {
        private long[] v = new long[256];
        private int n;

        void add(long x) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = x;
        }

        long[] toArray() {
            return Arrays.copyOf(v, n);
        }
    }

    @FunctionalInterface
    interface WorkerBody {
        void run(int worker, Samples claims, Samples completes) throws Exception;
    }

    private static Result runWorkers(int workers, int jobs, AtomicInteger completed, WorkerBody body) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        Samples[] cs = new Samples[workers];
        Samples[] ds = new Samples[workers];
        for (int w = 0; w < workers; w++) {
            int id = w;
            cs[w] = new Samples();
            ds[w] = new Samples();
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    body.run(id, cs[id], ds[id]);
                } catch (Throwable e) {
                    errors.add(e);
                    completed.set(Integer.MAX_VALUE / 2); // stop the others
                }
            }, "queue-bench-" + w);
            t.start();
            threads.add(t);
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long wall = System.nanoTime() - t0;
        if (!errors.isEmpty()) {
            IllegalStateException e = new IllegalStateException("a worker failed: " + errors.get(0), errors.get(0));
            throw e;
        }
        long[] allClaims = Arrays.stream(cs).map(Samples::toArray).flatMapToLong(Arrays::stream).toArray();
        long[] allCompletes = Arrays.stream(ds).map(Samples::toArray).flatMapToLong(Arrays::stream).toArray();
        if (allClaims.length != jobs) {
            throw new IllegalStateException(allClaims.length + " claims for " + jobs + " jobs");
        }
        return new Result("", jobs, wall, allClaims, allCompletes, 0);
    }

    /** Nearest-rank percentile (p in 0..100). */
    static double percentile(long[] values, double p) {
        long[] s = values.clone();
        Arrays.sort(s);
        if (s.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.min(Math.max(rank, 1), s.length) - 1];
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String serverVersion(TestPostgres pg) {
        try (var c = java.sql.DriverManager.getConnection(pg.adminUrl()); var s = c.createStatement();
                var rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1);
        } catch (java.sql.SQLException e) {
            return "version unknown";
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
