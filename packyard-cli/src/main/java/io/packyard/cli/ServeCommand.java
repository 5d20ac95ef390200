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

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        ServerLog log = ServerLog.console(spec.commandLine().getOut());
        PackyardServer.Builder b = PackyardServer.builder()
                .dataDir(repository.dataDir())
                .databaseUrl(repository.databaseUrl())
                .bind(bind)
                .port(port)
                .log(log);
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
