package dev.kiln.api.model;

import dev.kiln.api.KilnException;

/** Activations became NaN or infinite; the message names where they first appeared. */
public final class NumericException extends KilnException {
    private static final long serialVersionUID = 1L;

    public NumericException(String message) {
        super(message);
    }
}
