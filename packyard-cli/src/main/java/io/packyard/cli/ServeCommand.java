package io.packyard.cli;

import io.packyard.repository.Repository;
import io.packyard.server.PackyardServer;
import io.packyard.server.ServerLog;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code packyard serve}: the PyPI-compatible index server. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Run the package index server: hosted indexes (twine / packyard publish upload to them), caching "
                    + "mirrors of an upstream simple API (PyPI or another index) and groups that merge them, "
                    + "with a hosted name always hiding the same name upstream (dependency confusion).",
            "",
            "Each index serves the simple API at /<index>/simple/ (PEP 503 HTML and PEP 691 JSON, PEP 658 "
                    + "metadata, PEP 700 fields, PEP 592 yanking) and takes uploads at /<index>/. Files live in "
                    + "a content-addressed store under --data, metadata in H2 (default) or PostgreSQL. Every "
                    + "write needs an API token (packyard token create); private indexes need one to read.",
            "",
            "The build service (packyard builds, packyard worker, /ui/builds) runs here too: a worker for the "
                    + "server's own steps (fetching sources, publishing) and one that builds for this machine's platform "
                    + "(--build-queues, --build-concurrency); --no-build-workers leaves all of that to other nodes.",
            "",
            "One log line per request goes to standard output. SIGTERM or Ctrl-C stops the server after the "
                    + "running requests finish."
        },
        footer = {"", "Examples:",
                "  # first run: an index, a token for CI, the server on 127.0.0.1:8080",
                "  packyard index create main --data /srv/packyard",
                "  packyard token create --data /srv/packyard --user ci --index main",
                "  packyard serve --data /srv/packyard",
                "",
                "  # install from it / upload to it",
                "  pip install --index-url http://127.0.0.1:8080/main/simple/ notes",
                "  twine upload --repository-url http://127.0.0.1:8080/main/ -u __token__ -p pyd_... dist/*",
                "",
                "  # builds: two linux-x86_64 builds at a time here; or only remote workers build",
                "  packyard serve --data /srv/packyard --build-queues linux-x86_64 \\",
                "      --build-concurrency 2",
                "  packyard serve --data /srv/packyard --build-queues none",
                "",
                "  # all interfaces, PostgreSQL for the metadata",
                "  packyard serve --bind 0.0.0.0 --port 80 --data /srv/packyard \\",
                "      --database 'postgresql://packyard:secret@db.internal/packyard'",
                "",
                "Exit status: 0 stopped cleanly, 2 usage or configuration error (bad option, port in use, "
                        + "database unreachable)."})
public final class ServeCommand implements Callable<Integer> {

    @Mixin
    RepositoryOptions repository;

    @Option(names = "--port", paramLabel = "N", description = "TCP port (default: 8080; 0 picks a free one).")
    int port = 8080;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default: 127.0.0.1, this machine only;"
            + " 0.0.0.0 for every interface).")
    String bind = "127.0.0.1";

    @Option(names = "--max-upload-size", paramLabel = "SIZE", description = "Upload limit of hosted indexes that set none"
            + " (default: 100M).")
    String maxUploadSize;

    @Option(names = "--apt-valid-for", paramLabel = "DURATION",
            description = "APT Release files carry Valid-Until = Date + DURATION (e.g. 7d; at least 1h) and are re-signed"
                    + " when half of it has passed, so clients notice a frozen or replayed repository. Default: no Valid-Until.")
    String aptValidFor;

    @Option(names = "--build-queues", paramLabel = "LIST", split = ",",
            description = "Platform queues the server's own build worker takes, comma-separated (default: this machine's,"
                    + " e.g. linux-x86_64; none: only remote packyard workers build).")
    java.util.List<String> buildQueues;

    @Option(names = "--build-concurrency", paramLabel = "N", description = "Builds the server's own worker runs at a time (default: 1).")
    int buildConcurrency = 1;

    @Option(names = "--no-build-workers", description = "Run no build workers in this process at all (neither platform builds"
            + " nor the source and publish steps): another node of the cluster runs them.")
    boolean noBuildWorkers;

    @Option(names = "--build-command", paramLabel = "COMMAND",
            description = "What the server's own build worker runs instead of this packyard, split at spaces (see packyard worker --help).")
    String buildCommand;

    @Option(names = "--sandbox", paramLabel = "MODE",
            description = "The server's own build worker: auto (bubblewrap when it works here), bubblewrap or none (default: auto).")
    String sandbox = "auto";

    @Option(names = "--build-lease", paramLabel = "SECONDS",
            description = "How long a job claimed by this server's own workers stays theirs without a heartbeat (default: 60;"
                    + " heartbeats every quarter): after a crash, its running jobs go back to the queue this long after.")
    int buildLeaseSeconds = 60;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The platform queues of the in-process builder: --build-queues, none, or this machine's. */
    java.util.List<String> platformQueues() {
        if (buildQueues == null) {
            return io.packyard.builds.BuildNode.hostQueues();
        }
        java.util.List<String> qs = buildQueues.stream().map(String::strip).filter(q -> !q.isEmpty()).toList();
        if (qs.equals(java.util.List.of("none"))) {
            return java.util.List.of();
        }
        for (String q : qs) {
            if (!q.matches("[a-z0-9][a-z0-9_-]{0,63}") || q.equals("server") || q.equals("none")) {
                throw io.packyard.python.PackyardException.config("--build-queues: '" + q
                        + "' is not a platform queue (e.g. linux-x86_64, or none alone)");
            }
        }
        if (qs.isEmpty()) {
            throw io.packyard.python.PackyardException.config("--build-queues: empty (use none for no platform builds here)");
        }
        return qs;
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerLog log = ServerLog.console(spec.commandLine().getOut());
        PackyardServer.Builder b = PackyardServer.builder()
                .dataDir(repository.dataDir())
                .databaseUrl(repository.databaseUrl())
                .bind(bind)
                .port(port)
                .log(log);
        if (noBuildWorkers && (buildQueues != null || buildConcurrency != 1)) {
            throw io.packyard.python.PackyardException.config("--no-build-workers: not with --build-queues or --build-concurrency");
        }
        if (buildConcurrency < 1 || buildConcurrency > 64) {
            throw io.packyard.python.PackyardException.config("--build-concurrency: expected 1 to 64, got " + buildConcurrency);
        }
        if (buildLeaseSeconds < 10 || buildLeaseSeconds > 3600) {
            throw io.packyard.python.PackyardException.config("--build-lease: expected 10 to 3600 seconds, got "
                    + buildLeaseSeconds);
        }
        if (!noBuildWorkers) {
            java.time.Duration lease = java.time.Duration.ofSeconds(buildLeaseSeconds);
            java.util.List<String> queues = platformQueues();
            int concurrency = buildConcurrency;
            java.util.List<String> command = WorkerCommand.buildCommand(buildCommand);
            io.packyard.builds.exec.Sandbox.Isolation isolation = WorkerCommand.isolation(sandbox);
            b.buildNode(nb -> nb.platformQueues(queues).platformConcurrency(concurrency).packyardCommand(command)
                    .sandbox(isolation).lease(lease));
        }
        if (aptValidFor != null) {
            b.aptValidFor(Sizes.duration("--apt-valid-for", aptValidFor));
        }
        b.defaultMaxUploadBytes(maxUploadSize == null ? Repository.DEFAULT_MAX_UPLOAD_BYTES
                : Sizes.bytes("--max-upload-size", maxUploadSize));
        PackyardServer server = b.build().start();
        if (server.repository().indexes().list().isEmpty()) {
            log.info("no indexes yet: create one with `packyard index create main --data " + repository.dataDir() + "`");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("stopping");
            server.stop();
            stopped.countDown();
        }, "packyard-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
    }
}
