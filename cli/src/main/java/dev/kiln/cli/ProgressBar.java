package dev.kiln.cli;

import java.io.PrintWriter;

/**
 * Progress on stderr, safe to advance from many threads: on a terminal a one-line bar redrawn
 * in place; otherwise (a log file, a pipe) a plain line at each quarter, since a bar redrawn
 * with carriage returns is noise in a log. The launcher says whether stderr is a terminal
 * ({@value #TERMINAL_PROPERTY}): its stderr reaches the JVM through a pipe either way.
 */
final class ProgressBar {
    /** System property the launcher sets to {@code true} when stderr is a terminal. */
    static final String TERMINAL_PROPERTY = "kiln.stderr.terminal";
    private static final int WIDTH = 40;
    private static final int LOG_STEP = 25;
    private final PrintWriter err;
    private final long total;
    private final boolean terminal;
    private long done;
    private int lastDrawn = -1;

    ProgressBar(PrintWriter err, long total) {
        this(err, total, Boolean.getBoolean(TERMINAL_PROPERTY));
    }

    ProgressBar(PrintWriter err, long total, boolean terminal) {
        this.err = err;
        this.total = Math.max(total, 1);
        this.terminal = terminal;
    }

    synchronized void advance(long amount) {
        done += amount;
        int percent = (int) (100 * Math.min(done, total) / total);
        if (terminal && percent != lastDrawn) {
            lastDrawn = percent;
            int filled = WIDTH * percent / 100;
            err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + percent + "%");
            err.flush();
        } else if (!terminal && percent / LOG_STEP > Math.max(lastDrawn, 0) / LOG_STEP && percent < 100) {
            lastDrawn = percent;
            err.println("kiln: " + percent / LOG_STEP * LOG_STEP + "% done");
            err.flush();
        }
    }

    synchronized void finish() {
        if (terminal && lastDrawn >= 0) {
            err.println();
            err.flush();
        }
    }
}
