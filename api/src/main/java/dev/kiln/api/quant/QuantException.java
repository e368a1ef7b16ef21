package dev.kiln.api.quant;

import dev.kiln.api.KilnException;

/** A quantization call was given a range or size its type cannot take. */
public final class QuantException extends KilnException {
    private static final long serialVersionUID = 1L;

    public QuantException(String message) {
        super(message);
    }
}
