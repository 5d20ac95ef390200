package io.packyard.cli;

import io.packyard.builds.exec.Sandbox;
import io.packyard.builds.steps.PlatformSteps;
import io.packyard.builds.model.Artifact;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import io.packyard.builds.worker.HttpWorkerApi;
import io.packyard.builds.worker.Worker;
import io.packyard.builds.worker.WorkerApi;
import java.io.IOException;
import java.util.Optional;
import io.packyard.python.PackyardException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code packyard worker}: a remote build worker that takes platform jobs from a packyard server. */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Run a build worker: claim build and verify jobs of the given platform queues from a packyard server, "
                    + "run them here (packyard build in a bubblewrap sandbox, then the project's smoke test), stream "
                    + "the log back and upload the packages.",
            "",
            "The worker needs only the server's URL and an API token with upload or maintain permission (packyard "
                    + "token create): no database, no signing keys. When the server cannot be reached it retries with "
                    + "backoff (1 s, 2 s, 4 s ... at most 60 s). SIGTERM or Ctrl-C stops taking jobs and lets the "
                    + "running ones finish (at most 30 s, then they are stopped and go back to the queue).",
            "",
            "Messages go to standard error, one line each with a UTC timestamp."
        },
        footer = {"", "Examples:",
                "  # a Linux builder, token in a file, two jobs at a time:",
                "  packyard worker --server https://packages.example.org/ \\",
                "      --token-file /etc/packyard/worker-token --queues linux-x86_64 \\",
                "      --concurrency 2 --work-dir /var/lib/packyard-worker",
                "",
                "  # token from the environment, no sandbox (a throwaway CI VM):",
                "  export PACKYARD_TOKEN=pyd_...",
                "  packyard worker --server http://10.0.0.5:8080/ --queues linux-x86_64 \\",
                "      --sandbox none",
                "",
                "Exit status: 0 stopped by a signal, 2 usage or configuration error (bad option, token refused)."})
public final class WorkerCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final Pattern QUEUE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    @Mixin
    BuildsClient.ServerOptions server;

    @Option(names = "--queues", required = true, split = ",", paramLabel = "QUEUE",
            description = "Platform queues to take jobs from, comma-separated (linux-x86_64, linux-aarch64, windows-x64).")
    List<String> queues = new ArrayList<>();

    @Option(names = "--concurrency", paramLabel = "N", description = "Jobs run at the same time (default: 1).")
    int concurrency = 1;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where job workspaces go (default: packyard-worker in the temporary directory).")
    Path workDir;

    @Option(names = "--name", paramLabel = "NAME", description = "The worker's name in the build log (default: HOST-PID).")
    String name;

    @Option(names = "--lease", paramLabel = "SECONDS",
            description = "How long a claimed job stays this worker's without a heartbeat (default: 60; heartbeats every quarter).")
    int leaseSeconds = 60;

    @Option(names = "--sandbox", paramLabel = "MODE",
            description = "auto (bubblewrap when it works here), bubblewrap (required) or none (default: auto).")
    String sandbox = "auto";

    @Option(names = "--build-command", paramLabel = "COMMAND",
            description = "What the build step runs instead of this packyard, split at spaces; it gets `build SRC --target T"
                    + " --format F --out DIR ...` appended (e.g. `nice -n 10 /opt/packyard/bin/packyard`).")
    String buildCommand;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The --sandbox option's value. */
    static Sandbox.Isolation isolation(String sandbox) {
        return switch (sandbox.toLowerCase(Locale.ROOT)) {
            case "auto" -> Sandbox.Isolation.AUTO;
            case "bubblewrap", "bwrap" -> Sandbox.Isolation.BUBBLEWRAP;
            case "none" -> Sandbox.Isolation.NONE;
            default -> throw PackyardException.config("--sandbox: expected auto, bubblewrap or none, got '" + sandbox + "'");
        };
    }

    /** --build-command split at spaces, or this process's own packyard. */
    static java.util.List<String> buildCommand(String option) {
        if (option == null) {
            return PlatformSteps.defaultPackyardCommand();
        }
        java.util.List<String> words = java.util.Arrays.stream(option.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
        if (words.isEmpty()) {
            throw PackyardException.config("--build-command: empty");
        }
        return words;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        for (String q : queues) {
            if (!QUEUE.matcher(q).matches() || q.equals("server")) {
                throw PackyardException.config("--queues: '" + q + "' is not a platform queue (e.g. linux-x86_64)");
            }
        }
        if (concurrency < 1 || concurrency > 64) {
            throw PackyardException.config("--concurrency: expected 1 to 64, got " + concurrency);
        }
        if (leaseSeconds < 10 || leaseSeconds > 3600) {
            throw PackyardException.config("--lease: expected 10 to 3600 seconds, got " + leaseSeconds);
        }
        Sandbox.Isolation isolation = isolation(sandbox);
        java.net.URI url = server.serverUri();
        String token = server.requireToken("packyard worker");
        Path dir = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "packyard-worker");
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw PackyardException.config("--work-dir " + dir + ": cannot create: " + e.getMessage());
        }
        HttpWorkerApi http = new HttpWorkerApi(url, token);
        java.util.concurrent.atomic.AtomicReference<PackyardException> fatal = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        WorkerApi api = new StopOnRefusal(http, e -> {
            if (fatal.compareAndSet(null, e)) {
                stopped.countDown();
            }
        });
        Worker.Builder b = Worker.builder(api, new PlatformSteps(buildCommand(buildCommand), isolation))
                .queues(queues).concurrency(concurrency).workDir(dir.toAbsolutePath())
                .lease(Duration.ofSeconds(leaseSeconds))
                .log(m -> log(err, m));
        if (name != null) {
            if (name.isBlank()) {
                throw PackyardException.config("--name: empty");
            }
            b.name(name.strip());
        }
        Worker worker = b.build();
        Thread hook = new Thread(() -> {
            log(err, "stopping: no new jobs; waiting up to 30 s for the running ones");
            worker.stop(Duration.ofSeconds(30));
            log(err, "stopped");
            stopped.countDown();
        }, "packyard-worker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        log(err, "server " + http.server());
        worker.start();
        stopped.await();
        if (fatal.get() != null) {
            // the server refused the token: retrying cannot help
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            worker.stop(Duration.ofSeconds(30));
            throw fatal.get();
        }
        return 0;
    }

    /**
     * Passes every call through and reports a configuration error (the server refused the token,
     * 401/403) to {@code onRefusal}: the {@link Worker} retries every failure, a bad token must stop it.
     */
    static final class StopOnRefusal implements WorkerApi {
        private final WorkerApi api;
        private final java.util.function.Consumer<PackyardException> onRefusal;

        StopOnRefusal(WorkerApi api, java.util.function.Consumer<PackyardException> onRefusal) {
            this.api = api;
            this.onRefusal = onRefusal;
        }

        private interface Call<T> {
            T run() throws IOException;
        }

        private <T> T call(Call<T> c) throws IOException {
            try {
                return c.run();
            } catch (PackyardException e) {
                if (e.kind() == PackyardException.Kind.CONFIG) {
                    onRefusal.accept(e);
                }
                throw e;
            }
        }

        @Override
        public Optional<ClaimedJob> claim(List<String> queues, String workerName, Duration lease) throws IOException {
            return call(() -> api.claim(queues, workerName, lease));
        }

        @Override
        public Heartbeat heartbeat(long jobId, String leaseId) throws IOException {
            return call(() -> api.heartbeat(jobId, leaseId));
        }

        @Override
        public void log(long jobId, String leaseId, String text) throws IOException {
            call(() -> {
                api.log(jobId, leaseId, text);
                return null;
            });
        }

        @Override
        public void downloadSource(long jobId, String leaseId, Path to) throws IOException {
            call(() -> {
                api.downloadSource(jobId, leaseId, to);
                return null;
            });
        }

        @Override
        public List<Artifact> artifacts(long jobId, String leaseId) throws IOException {
            return call(() -> api.artifacts(jobId, leaseId));
        }

        @Override
        public void downloadArtifact(long jobId, String leaseId, Artifact artifact, Path to) throws IOException {
            call(() -> {
                api.downloadArtifact(jobId, leaseId, artifact, to);
                return null;
            });
        }

        @Override
        public void uploadArtifact(long jobId, String leaseId, Path file) throws IOException {
            call(() -> {
                api.uploadArtifact(jobId, leaseId, file);
                return null;
            });
        }

        @Override
        public boolean complete(long jobId, String leaseId, Outcome outcome, String message) throws IOException {
            return call(() -> api.complete(jobId, leaseId, outcome, message));
        }
    }

    static void log(PrintWriter err, String message) {
        synchronized (err) {
            err.println(TIME.format(Instant.now()) + " " + message);
            err.flush();
        }
    }
}
