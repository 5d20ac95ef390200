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

    /** Writes {@code 2025-01-01T10:00:00.123Z LEVEL message} lines to {@code out} (flushed per line). */
    static ServerLog console(java.io.PrintWriter out) {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
        return new ServerLog() {
            private void line(String level, String message) {
                synchronized (out) {
                    out.println(f.format(Instant.now()) + " " + level + " " + message);
                    out.flush();
                }
            }

            @Override
            public void request(String line) {
                line("REQUEST", line);
            }

            @Override
            public void info(String message) {
                line("INFO", message);
            }

            @Override
            public void warn(String message) {
                line("WARN", message);
            }

            @Override
            public void error(String message, Throwable t) {
                line("ERROR", message);
                if (t != null) {
                    synchronized (out) {
                        t.printStackTrace(out);
                        out.flush();
                    }
                }
            }
        };
    }
}
