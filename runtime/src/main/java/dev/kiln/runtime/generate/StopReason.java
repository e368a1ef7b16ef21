package dev.kiln.runtime.generate;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (EOS, EOT, …). */
    END_OF_GENERATION,
    /** The requested number of tokens was generated. */
    TOKEN_LIMIT,
    /** A stop string appeared in the output. */
    STOP_STRING,
    /** The context (KV cache) is full. */
    CONTEXT_FULL,
    /** Stopped from outside: a cancelled request, a server shutting down. */
    INTERRUPTED
}
