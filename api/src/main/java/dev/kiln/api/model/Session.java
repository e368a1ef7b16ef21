package dev.kiln.api.model;

/**
 * One sequence being evaluated, with its KV cache. Not thread-safe.
 */
public interface Session {

    /** Number of positions already in the cache. */
    int position();

    /** The capacity of the cache in positions. */
    int contextLength();

    /**
     * Runs {@code count} tokens (one batch) at positions {@code position() .. position() + count - 1}
     * and advances. Returns the logits of the last token ({@code vocabularySize} values) or, if
     * {@code allLogits}, of every token ({@code count × vocabularySize}).
     *
     * @throws dev.kiln.api.KilnException if the batch would pass the context length, or the
     *         logits are not finite (the message names the layer where NaN/Inf first appeared)
     */
    float[] forward(int[] tokens, int offset, int count, boolean allLogits);

    /** Forgets every position at or after {@code position}. */
    void rewind(int position);
}
