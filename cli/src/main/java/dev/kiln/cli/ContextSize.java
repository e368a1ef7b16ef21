package dev.kiln.cli;

import java.io.PrintWriter;

/** A context (KV cache) size beyond what the model was trained on runs, with one warning: past it, output degrades. */
final class ContextSize {

    private ContextSize() {
    }

    static void warnIfBeyondTrained(int requested, int trained, PrintWriter err) {
        if (requested > trained) {
            err.println("kiln: warning: -c " + requested + " is beyond the model's trained context of " + trained
                    + " tokens; text past it is likely to degrade");
            err.flush();
        }
    }
}
