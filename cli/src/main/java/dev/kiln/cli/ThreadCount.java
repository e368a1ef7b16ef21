package dev.kiln.cli;

import java.io.PrintWriter;

/**
 * A {@code -t} above the available cores is capped to them, with one warning: more compute
 * threads than cores only take turns (1000 threads ran at 0.18 tokens/s).
 */
final class ThreadCount {

    private ThreadCount() {
    }

    /** {@code requested}, or the available cores if that is fewer (then says so on {@code err}). */
    static int capped(int requested, PrintWriter err) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (requested <= cores) {
            return requested;
        }
        err.println("kiln: warning: -t " + requested + " is more than the " + cores + " available core"
                + (cores == 1 ? "" : "s") + "; using " + cores);
        err.flush();
        return cores;
    }
}
