package io.packyard.server.ui;

import io.packyard.server.ServerLog;

/** A server log for the UI tests: only warnings and errors, on stderr (for the test report). */
final class QuietLog implements ServerLog {

    @Override
    public void request(String line) {}

    @Override
    public void info(String message) {}

    @Override
    public void warn(String message) {
        System.err.println("[warn] " + message);
    }

    @Override
    public void error(String message, Throwable t) {
        System.err.println("[error] " + message);
        t.printStackTrace();
    }
}
