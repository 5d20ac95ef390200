package io.packyard.server;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the server's own log goes: one line per request, and events (start, stop, upstream
 * failures, internal errors). The default writes to slf4j; {@link #console} writes time-stamped
 * lines to a stream whatever slf4j binding is present.
 */
public interface ServerLog {

    /** One request: {@code client "METHOD path" status bytes duration ...}. */
    void request(String line);

    void info(String message);

    void warn(String message);

    void error(String message, Throwable t);

    /** Logs to slf4j: requests to {@code io.packyard.server.requests}, the rest to {@code io.packyard.server}. */
    static ServerLog slf4j() {
        Logger requests = LoggerFactory.getLogger("io.packyard.server.requests");
        Logger events = LoggerFactory.getLogger("io.packyard.server");
        return new ServerLog() {
            @Override
            public void request(String line) {
                requests.info(line);
            }

            @Override
            public void info(String message) {
                events.info(message);
            }

            @Override
            public void warn(String message) {
                events.warn(message);
            }

            @Override
            public void error(String message, Throwable t) {
                events.error(message, t);
            }
        };
    }

    /** Writes {@code 2025-01-01T10:00:00.123Z LEVEL message} lines to {@code out}. */
    static ServerLog console(PrintStream out) {
        return console(new java.io.PrintWriter(out, true));
    }

    /**
     * Writes {@code 2025-01-01T10:00:00.123Z LEVEL message} lines to {@code out}. Request threads
     * only queue their line; one writer thread formats and writes them, flushing whenever the
     * queue runs empty (so a busy server writes in batches, an idle one at once). {@link #flush()}
     * waits until everything queued is written; warnings and errors are flushed before the call
     * returns.
     */
    static ServerLog console(java.io.PrintWriter out) {
        return new ConsoleLog(out);
    }

    /** Waits until every line logged so far is written out (no-op for logs that do not buffer). */
    default void flush() {
    }

    /** The queueing console log of {@link #console(java.io.PrintWriter)}. */
    final class ConsoleLog implements ServerLog {
        private static final DateTimeFormatter TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

        private record Line(Instant at, String level, String message, Throwable error) {}

        private final java.io.PrintWriter out;
        private final java.util.concurrent.LinkedBlockingQueue<Line> queue = new java.util.concurrent.LinkedBlockingQueue<>(200_000);
        private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
        private long written;

        ConsoleLog(java.io.PrintWriter out) {
            this.out = out;
            Thread.ofPlatform().daemon().name("packyard-log-writer").start(this::drain);
        }

        private void drain() {
            try {
                while (true) {
                    Line first = queue.take();
                    int n = 1;
                    write(first);
                    for (Line l; (l = queue.poll()) != null; n++) {
                        write(l);
                    }
                    out.flush();
                    synchronized (this) {
                        written += n;
                        notifyAll();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void write(Line l) {
            out.println(TIME.format(l.at()) + " " + l.level() + " " + l.message());
            if (l.error() != null) {
                l.error().printStackTrace(out);
            }
        }

        private void enqueue(String level, String message, Throwable error) {
            Line l = new Line(Instant.now(), level, message, error);
            queued.incrementAndGet();
            if (!queue.offer(l)) {
                // the writer cannot keep up (a stalled terminal): wait rather than lose lines
                try {
                    queue.put(l);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void flush() {
            long target = queued.get();
            synchronized (this) {
                long until = System.nanoTime() + 5_000_000_000L;
                while (written < target && System.nanoTime() < until) {
                    try {
                        wait(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        @Override
        public void request(String line) {
            enqueue("REQUEST", line, null);
        }

        @Override
        public void info(String message) {
            enqueue("INFO", message, null);
        }

        @Override
        public void warn(String message) {
            enqueue("WARN", message, null);
            flush();
        }

        @Override
        public void error(String message, Throwable t) {
            enqueue("ERROR", message, t);
            flush();
        }
    }
}
