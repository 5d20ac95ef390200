package io.packyard.builds.worker;

import io.packyard.builds.exec.StepFailure;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import io.packyard.python.util.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A worker: {@code concurrency} loops that claim jobs from some queues, run them with a
 * {@link StepExecutor} in a fresh workspace, send the log as it grows and heartbeats while the
 * step runs, and report the outcome. Used in process by {@code packyard serve} and as
 * {@code packyard worker} on other machines (then through an HTTP {@link WorkerApi}).
 *
 * <pre>{@code
 * Worker w = Worker.builder(api, executor)
 *         .name("builder-7").queues("linux-x86_64").concurrency(2)
 *         .workDir(Path.of("/var/lib/packyard-worker"))
 *         .build().start();
 * }</pre>
 *
 * <p>When the server cannot be reached the worker waits 1 s, 2 s, 4 s ... (at most
 * {@code maxBackoff}) before it tries again, and says so in its own log. A heartbeat answered
 * with "cancelled" or "lost" stops the running step at once.
 */
public final class Worker implements AutoCloseable {

    private final Builder cfg;
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Runnable> activeCancels = new CopyOnWriteArrayList<>();

    private Worker(Builder b) {
        this.cfg = b;
    }

    public static Builder builder(WorkerApi api, StepExecutor executor) {
        return new Builder(api, executor);
    }

    public String name() {
        return cfg.name;
    }


    public synchronized Worker start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        cfg.log.accept("worker " + cfg.name + " takes queues " + String.join(",", cfg.queues) + " (" + cfg.concurrency
                + " at a time)");
        for (int i = 0; i < cfg.concurrency; i++) {
            Thread t = Thread.ofVirtual().name("worker-" + cfg.name + "-" + i).start(this::loop);
            threads.add(t);
        }
        return this;
    }

    /** Stops taking jobs and waits (up to {@code timeout}) for the running ones; then cancels them. */
    public void stop(Duration timeout) {
        running.set(false);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    activeCancels.forEach(Runnable::run);
                    t.interrupt();
                    t.join(Duration.ofSeconds(10));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    private void loop() {
        int failures = 0;
        while (running.get()) {
            java.util.Optional<ClaimedJob> job;
            try {
                job = cfg.api.claim(cfg.queues, cfg.name, cfg.lease);
                if (failures > 0) {
                    cfg.log.accept("server reachable again");
                }
                failures = 0;
            } catch (io.packyard.python.PackyardException e) {
                if (e.kind() == io.packyard.python.PackyardException.Kind.CONFIG) {
                    cfg.log.accept("stopping: " + oneLine(e));
                    running.set(false);
                    return;
                }
                failures++;
                Duration wait = backoff(failures);
                cfg.log.accept("claim failed (" + oneLine(e) + "); retrying in " + wait.toMillis() + " ms");
                if (!sleep(wait)) {
                    return;
                }
                continue;
            } catch (IOException | RuntimeException e) {
                failures++;
                Duration wait = backoff(failures);
                cfg.log.accept("cannot reach the server (" + oneLine(e) + "); retrying in " + wait.toMillis() + " ms");
                if (!sleep(wait)) {
                    return;
                }
                continue;
            }
            if (job.isEmpty()) {
                if (!sleep(cfg.pollEvery)) {
                    return;
                }
                continue;
            }
            runJob(job.get());
        }
    }

    /** 1 s, 2 s, 4 s ... (scaled by the builder's first backoff), at most maxBackoff. */
    Duration backoff(int failures) {
        Duration d = cfg.firstBackoff.multipliedBy(1L << Math.min(failures - 1, 20));
        return d.compareTo(cfg.maxBackoff) > 0 ? cfg.maxBackoff : d;
    }

    private void runJob(ClaimedJob job) {
        String what = job.step().id() + job.target().map(t -> " " + t).orElse("") + " of build " + job.buildId()
                + " (job " + job.jobId() + ", attempt " + job.attempt() + ")";
        cfg.log.accept("running " + what);
        Path ws = cfg.workDir.resolve("job-" + job.jobId() + "-" + job.attempt());
        Context ctx = new Context(job, ws);
        // stopped by the latch, never by an interrupt: an interrupt that lands while the heartbeat
        // writes (in process: to H2's file) closes the database's file channel for everybody
        java.util.concurrent.CountDownLatch stepDone = new java.util.concurrent.CountDownLatch(1);
        Thread heartbeat = Thread.ofVirtual().name("heartbeat-" + job.jobId()).start(() -> heartbeats(ctx, stepDone));
        Outcome outcome;
        String message;
        try {
            FileTrees.deleteTree(ws);
            Files.createDirectories(ws);
            cfg.executor.execute(job, ctx);
            outcome = Outcome.SUCCEEDED;
            message = "";
        } catch (StepFailure f) {
            outcome = f.kind() == StepFailure.Kind.BUILD ? Outcome.FAILED : Outcome.INFRA_ERROR;
            message = f.getMessage();
        } catch (IOException | RuntimeException e) {
            outcome = Outcome.INFRA_ERROR;
            message = "worker " + cfg.name + ": " + oneLine(e);
        } finally {
            stepDone.countDown();
        }
        try {
            heartbeat.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!message.isEmpty() && outcome != Outcome.SUCCEEDED) {
            ctx.log(message);
        }
        ctx.flush();
        if (ctx.cancelled()) {
            cfg.log.accept("stopped " + what + ": cancelled or lease lost");
        } else {
            report(job, outcome, message, what);
        }
        try {
            FileTrees.deleteTree(ws);
        } catch (IOException e) {
            cfg.log.accept("cannot delete workspace " + ws + ": " + e.getMessage());
        }
    }

    private void report(ClaimedJob job, Outcome outcome, String message, String what) {
        long deadline = System.nanoTime() + job.leaseDuration().toNanos() * 2;
        for (int attempt = 1; ; attempt++) {
            try {
                boolean accepted = cfg.api.complete(job.jobId(), job.leaseId(), outcome, message);
                cfg.log.accept((accepted ? "finished " : "server refused the result of ") + what + ": "
                        + outcome.name().toLowerCase(java.util.Locale.ROOT) + (message.isEmpty() ? "" : " (" + message + ")"));
                return;
            } catch (IOException | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    cfg.log.accept("cannot report " + what + " (" + oneLine(e) + "); giving up, the lease will expire");
                    return;
                }
                Duration wait = backoff(attempt);
                cfg.log.accept("cannot report " + what + " (" + oneLine(e) + "); retrying in " + wait.toMillis() + " ms");
                if (!sleep(wait)) {
                    return;
                }
            }
        }
    }

    private void heartbeats(Context ctx, java.util.concurrent.CountDownLatch stepDone) {
        while (true) {
            try {
                if (stepDone.await(cfg.heartbeatEvery.toNanos(), TimeUnit.NANOSECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                ctx.flush();
                Heartbeat hb = cfg.api.heartbeat(ctx.job.jobId(), ctx.job.leaseId());
                if (hb != Heartbeat.OK) {
                    cfg.log.accept("job " + ctx.job.jobId() + ": " + (hb == Heartbeat.CANCELLED ? "cancelled" : "lease lost")
                            + "; stopping it");
                    ctx.cancel();
                    return;
                }
            } catch (IOException | RuntimeException e) {
                cfg.log.accept("heartbeat for job " + ctx.job.jobId() + " failed: " + oneLine(e));
            }
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    private boolean sleep(Duration d) {
        try {
            long until = System.nanoTime() + d.toNanos();
            while (running.get() && System.nanoTime() < until) {
                Thread.sleep(Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()))));
            }
            return running.get();
        } catch (InterruptedException e) {
            return false;
        }
    }

    private final class Context implements JobContext {
        final ClaimedJob job;
        final Path ws;
        private final StringBuilder pending = new StringBuilder();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final List<Runnable> cancelActions = new CopyOnWriteArrayList<>();
        private final Runnable cancelAll = this::cancel;

        Context(ClaimedJob job, Path ws) {
            this.job = job;
            this.ws = ws;
            activeCancels.add(cancelAll);
        }

        @Override
        public ClaimedJob job() {
            return job;
        }

        @Override
        public Path workspace() {
            return ws;
        }

        @Override
        public synchronized void log(String line) {
            pending.append(line).append('\n');
            if (pending.length() > 64 * 1024) {
                flush();
            }
        }

        synchronized void flush() {
            if (pending.isEmpty()) {
                return;
            }
            try {
                cfg.api.log(job.jobId(), job.leaseId(), pending.toString());
                pending.setLength(0);
            } catch (IOException | RuntimeException e) {
                // kept, sent with the next flush
                if (pending.length() > 4 << 20) {
                    pending.delete(0, pending.length() - (2 << 20));
                }
            }
        }

        @Override
        public WorkerApi api() {
            return cfg.api;
        }

        @Override
        public boolean cancelled() {
            return cancelled.get();
        }

        void cancel() {
            if (cancelled.compareAndSet(false, true)) {
                cancelActions.forEach(Runnable::run);
            }
            activeCancels.remove(cancelAll);
        }

        @Override
        public void onCancel(Runnable action) {
            cancelActions.add(action);
            if (cancelled.get()) {
                action.run();
            }
        }
    }

    /** Configures a {@link Worker}. */
    public static final class Builder {
        private final WorkerApi api;
        private final StepExecutor executor;
        private String name = defaultName();
        private List<String> queues = List.of();
        private int concurrency = 1;
        private Path workDir;
        private Duration lease = Duration.ofSeconds(60);
        private Duration heartbeatEvery = Duration.ofSeconds(15);
        private Duration pollEvery = Duration.ofSeconds(1);
        private Duration firstBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(60);
        private Consumer<String> log = s -> { };

        private Builder(WorkerApi api, StepExecutor executor) {
            this.api = Objects.requireNonNull(api);
            this.executor = Objects.requireNonNull(executor);
        }

        private static String defaultName() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
            return host + "-" + ProcessHandle.current().pid();
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder queues(String... queues) {
            return queues(List.of(queues));
        }

        public Builder queues(List<String> queues) {
            this.queues = List.copyOf(queues);
            return this;
        }

        public Builder concurrency(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1");
            }
            this.concurrency = n;
            return this;
        }

        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** How long a claim holds without a heartbeat (default 60 s); heartbeats every quarter of it. */
        public Builder lease(Duration lease) {
            this.lease = lease;
            this.heartbeatEvery = lease.dividedBy(4);
            return this;
        }

        public Builder pollEvery(Duration d) {
            this.pollEvery = d;
            return this;
        }

        /** The first wait after the server could not be reached (doubling up to {@code max}). */
        public Builder backoff(Duration first, Duration max) {
            this.firstBackoff = first;
            this.maxBackoff = max;
            return this;
        }

        /** Where the worker's own messages go (claims, retries, results). */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log);
            return this;
        }

        public Worker build() {
            Objects.requireNonNull(workDir, "workDir");
            if (queues.isEmpty()) {
                throw new IllegalArgumentException("a worker needs at least one queue");
            }
            return new Worker(this);
        }
    }
}
