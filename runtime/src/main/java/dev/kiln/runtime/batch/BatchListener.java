package dev.kiln.runtime.batch;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.generate.Completion;

/**
 * Receives one request's output from a {@link BatchScheduler}. Called on the scheduler's thread,
 * which runs every sequence's next step: an implementation must return at once (hand the text
 * to a queue, never write to a slow client here).
 */
public interface BatchListener {

    /** The next piece of generated text (whole characters, never part of a stop string). */
    void onText(String piece);

    /** The generation ended normally; no call follows. */
    void onComplete(Completion completion);

    /** The request failed (a prompt that does not fit, a numeric failure, a shutdown); no call follows. */
    void onError(KilnException error);
}
