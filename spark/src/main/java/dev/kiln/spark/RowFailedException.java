package dev.kiln.spark;

import dev.kiln.api.KilnException;

/** A row could not be generated and the settings say to fail the job ({@link KilnSparkSettings#failOnError()}). */
public final class RowFailedException extends KilnException {
    private static final long serialVersionUID = 1L;

    public RowFailedException(String message) {
        super(message);
    }
}
