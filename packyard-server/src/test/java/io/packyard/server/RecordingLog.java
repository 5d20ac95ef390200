package io.packyard.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A {@link ServerLog} that keeps every line (and echoes it to stderr for test reports). */
final class RecordingLog implements ServerLog {

    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void request(String line) {
        requests.add(line);
        System.err.println("[request] " + line);
    }

    @Override
    public void info(String message) {
        events.add("INFO " + message);
        System.err.println("[info] " + message);
    }

    @Override
    public void warn(String message) {
        events.add("WARN " + message);
        System.err.println("[warn] " + message);
    }

    @Override
    public void error(String message, Throwable t) {
        events.add("ERROR " + message);
        System.err.println("[error] " + message);
        if (t != null) {
            t.printStackTrace();
        }
    }

    /** Request lines for a path prefix. */
    List<String> requestsTo(String method, String pathPrefix) {
        synchronized (requests) {
            return requests.stream().filter(l -> l.contains("\"" + method + " " + pathPrefix)).toList();
        }
    }

    void clear() {
        requests.clear();
        events.clear();
    }
}
