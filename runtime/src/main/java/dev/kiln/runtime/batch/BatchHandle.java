package dev.kiln.runtime.batch;

/** A request submitted to a {@link BatchScheduler}. */
public interface BatchHandle {

    /**
     * Stops the request: its slot is free before the next decode step and its listener hears
     * nothing more. Does nothing once the request has ended.
     */
    void cancel();

    /** Whether the request has ended (completed, failed or cancelled). */
    boolean isDone();
}
