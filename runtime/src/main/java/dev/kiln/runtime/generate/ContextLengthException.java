package dev.kiln.runtime.generate;

import dev.kiln.api.KilnException;

/** The tokens to evaluate do not fit the context (KV cache) of the session. */
public final class ContextLengthException extends KilnException {
    private static final long serialVersionUID = 1L;

    public ContextLengthException(String message) {
        super(message);
    }
}
