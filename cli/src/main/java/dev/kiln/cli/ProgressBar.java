package dev.kiln.cli;

import java.io.PrintWriter;

/** A one-line progress bar on stderr, redrawn in place; safe to advance from many threads. */
final class ProgressBar {
    private static final int WIDTH = 40;
    private final PrintWriter err;
    private final long total;
    private long done;
    private int lastDrawn = -1;

    ProgressBar(PrintWriter err, long total) {
        this.err = err;
        this.total = Math.max(total, 1);
    }

    synchronized void advance(long amount) {
        done += amount;
        int percent = (int) (100 * Math.min(done, total) / total);
        if (percent != lastDrawn) {
            lastDrawn = percent;
            int filled = WIDTH * percent / 100;
            err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + percent + "%");
            err.flush();
        }
    }

    synchronized void finish() {
        if (lastDrawn >= 0) {
            err.println();
            err.flush();
        }
    }
}
