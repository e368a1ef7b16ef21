package dev.kiln.runtime.batch;

import dev.kiln.api.KilnException;

/** Every slot is busy and the waiting queue is at its limit; try again later. */
public final class QueueFullException extends KilnException {
    private static final long serialVersionUID = 1L;

    public QueueFullException(String message) {
        super(message);
    }
}
