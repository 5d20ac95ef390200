package io.packyard.builds;

import io.packyard.builds.exec.Sandbox;
import io.packyard.builds.model.Step;
import io.packyard.builds.steps.PlatformSteps;
import io.packyard.builds.steps.ServerSteps;
import io.packyard.builds.worker.LocalWorkerApi;
import io.packyard.builds.worker.Worker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The build service's moving parts on one server node: the in-process worker for the server's
 * own steps (source, publish), in-process workers for platform queues (by default the host's
 * own platform; none when builds run only on remote {@code packyard worker}s), and housekeeping
 * (expired leases, scheduled builds) every few seconds. Every node of a cluster runs one; they
 * share the queue through the database.
 *
 * <pre>{@code
 * BuildNode node = BuildNode.builder(service)
 *         .workDir(dataDir.resolve("work"))
 *         .platformQueues(List.of("linux-x86_64"))
 *         .build().start();
 * }</pre>
 */
public final class BuildNode implements AutoCloseable {

    private final Builder cfg;
    private final List<Worker> workers = new ArrayList<>();
    private Thread housekeeping;
    private volatile boolean running;

    private BuildNode(Builder b) {
        this.cfg = b;
    }

    public static Builder builder(BuildService service) {
        return new Builder(service);
    }

    /** The platform queue of the machine this runs on ({@code linux-x86_64}, {@code linux-aarch64}), if a known one. */
    public static List<String> hostQueues() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (os.contains("linux")) {
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                return List.of("linux-x86_64");
            }
            if (arch.equals("aarch64")) {
                return List.of("linux-aarch64");
            }
        }
        return List.of();
    }

    public synchronized BuildNode start() {
        LocalWorkerApi api = new LocalWorkerApi(cfg.service);
        workers.add(Worker.builder(api, new ServerSteps(cfg.service)).name(cfg.name + "/server")
                .queues(Step.SERVER_QUEUE).concurrency(cfg.serverConcurrency)
                .workDir(cfg.workDir.resolve("server")).lease(cfg.lease).pollEvery(cfg.pollEvery)
                .log(cfg.log).build().start());
        if (!cfg.platformQueues.isEmpty()) {
            workers.add(Worker.builder(api, new PlatformSteps(cfg.packyardCommand, cfg.sandbox))
                    .name(cfg.name + "/builder").queues(cfg.platformQueues).concurrency(cfg.platformConcurrency)
                    .workDir(cfg.workDir.resolve("builder")).lease(cfg.lease).pollEvery(cfg.pollEvery)
                    .log(cfg.log).build().start());
        }
        running = true;
        Schedules schedules = new Schedules(cfg.service);
        housekeeping = Thread.ofVirtual().name("build-housekeeping").start(() -> {
            while (running) {
                try {
                    int reaped = cfg.service.reapExpiredLeases();
                    if (reaped > 0) {
                        cfg.log.accept(reaped + " job(s) whose worker stopped sending heartbeats went back to the queue");
                    }
                    for (long id : schedules.tick()) {
                        cfg.log.accept("scheduled build " + id + " queued");
                    }
                } catch (RuntimeException e) {
                    cfg.log.accept("build housekeeping failed: " + e.getMessage());
                }
                try {
                    Thread.sleep(cfg.housekeepingEvery);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return this;
    }

    @Override
    public synchronized void close() {
        running = false;
        if (housekeeping != null) {
            housekeeping.interrupt();
        }
        for (Worker w : workers) {
            w.stop(cfg.stopTimeout);
        }
        workers.clear();
    }

    /** Configures a {@link BuildNode}. */
    public static final class Builder {
        private final BuildService service;
        private String name = "server";
        private Path workDir;
        private List<String> platformQueues = hostQueues();
        private int platformConcurrency = 1;
        private int serverConcurrency = 2;
        private List<String> packyardCommand = PlatformSteps.defaultPackyardCommand();
        private Sandbox.Isolation sandbox = Sandbox.Isolation.AUTO;
        private Duration lease = Duration.ofSeconds(60);
        private Duration pollEvery = Duration.ofSeconds(1);
        private Duration housekeepingEvery = Duration.ofSeconds(5);
        private Duration stopTimeout = Duration.ofSeconds(10);
        private Consumer<String> log = s -> { };

        private Builder(BuildService service) {
            this.service = Objects.requireNonNull(service);
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Where in-process workers keep their workspaces. */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** Platform queues the in-process builder takes; empty for none (remote workers only). */
        public Builder platformQueues(List<String> queues) {
            this.platformQueues = List.copyOf(queues);
            return this;
        }

        public Builder platformConcurrency(int n) {
            this.platformConcurrency = n;
            return this;
        }

        /** The command that runs {@code packyard} (the build step appends {@code build ...}). */
        public Builder packyardCommand(List<String> command) {
            this.packyardCommand = List.copyOf(command);
            return this;
        }

        public Builder sandbox(Sandbox.Isolation isolation) {
            this.sandbox = isolation;
            return this;
        }

        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        public Builder pollEvery(Duration d) {
            this.pollEvery = d;
            return this;
        }

        public Builder housekeepingEvery(Duration d) {
            this.housekeepingEvery = d;
            return this;
        }

        public Builder stopTimeout(Duration d) {
            this.stopTimeout = d;
            return this;
        }

        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log);
            return this;
        }

        public BuildNode build() {
            Objects.requireNonNull(workDir, "workDir");
            return new BuildNode(this);
        }
    }
}
