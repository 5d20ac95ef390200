package io.packyard.cli;

import io.packyard.python.util.Progress;
import java.io.PrintWriter;

/**
 * Progress on the terminal (stderr): one line per step; within a step a percentage that is
 * redrawn in place on a terminal, or printed every 25% when the output is a file or a pipe.
 */
final class ConsoleProgress implements Progress {
    private final PrintWriter err;
    private final boolean terminal;
    private final boolean quiet;
    private int lastPercent = -1;
    private boolean midLine;

    ConsoleProgress(PrintWriter err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
        this.terminal = System.console() != null && System.getenv("CI") == null;
    }

    @Override
    public synchronized void step(String message) {
        endLine();
        lastPercent = -1;
        if (!quiet) {
            err.println("==> " + message);
            err.flush();
        }
    }

    @Override
    public synchronized void advance(long done, long total) {
        if (quiet || total <= 0) {
            return;
        }
        int percent = (int) Math.min(100, done * 100 / total);
        if (percent == lastPercent) {
            return;
        }
        if (terminal) {
            err.print("\r    " + percent + "% (" + amount(done, total) + ")");
            midLine = percent < 100;
            if (!midLine) {
                err.println();
            }
            err.flush();
        } else if (percent / 25 != lastPercent / 25 || (percent == 100 && lastPercent != 100)) {
            err.println("    " + percent + "% (" + amount(done, total) + ")");
            err.flush();
        }
        lastPercent = percent;
    }

    @Override
    public synchronized void warn(String message) {
        endLine();
        err.println("packyard: warning: " + message);
        err.flush();
    }

    private void endLine() {
        if (midLine) {
            err.println();
            midLine = false;
        }
    }

    /** Byte counts for downloads and archives; small totals are counts of things (files, wheels). */
    private String amount(long done, long total) {
        return total < 100_000 ? done + " of " + total : human(done) + " of " + human(total);
    }

    static String human(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KiB", n / 1024.0);
        }
        return String.format("%.1f MiB", n / (1024.0 * 1024));
    }
}
