package io.packyard.server;

import io.packyard.python.PackyardException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the server without the CLI (containers, tests that need it in a separate JVM):
 * {@code java -cp ... io.packyard.server.ServerMain --data DIR [--port N] [--bind ADDR]
 * [--database URL] [--max-upload-bytes N]}. {@code packyard serve} is the documented way.
 */
public final class ServerMain {

    private ServerMain() {}

    public static void main(String[] args) throws InterruptedException {
        PackyardServer.Builder b = PackyardServer.builder().log(ServerLog.console(System.out));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--data" -> b.dataDir(Path.of(require(a, v)));
                case "--port" -> b.port(Integer.parseInt(require(a, v)));
                case "--bind" -> b.bind(require(a, v));
                case "--database" -> b.databaseUrl(require(a, v));
                case "--max-upload-bytes" -> b.defaultMaxUploadBytes(Long.parseLong(require(a, v)));
                default -> {
                    System.err.println("usage: ServerMain --data DIR [--port N] [--bind ADDR] [--database URL]"
                            + " [--max-upload-bytes N]");
                    System.exit(2);
                }
            }
            i++;
        }
        PackyardServer server;
        try {
            server = b.build().start();
        } catch (PackyardException e) {
            System.err.println("packyard: error: " + e.getMessage());
            System.exit(e.kind().exitCode());
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            done.countDown();
        }, "packyard-shutdown"));
        done.await();
    }

    private static String require(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }
}
