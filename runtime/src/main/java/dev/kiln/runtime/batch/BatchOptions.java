package dev.kiln.runtime.batch;

import dev.kiln.api.KilnException;

/**
 * How a {@link BatchScheduler} runs.
 *
 * @param slots sequences that run at once, each with its own KV cache ({@code kiln serve --parallel})
 * @param contextSize each slot's KV-cache capacity in tokens; 0 for the model's {@link dev.kiln.runtime.KilnModel#contextSize()}
 * @param maxQueue requests that may wait for a slot; more are refused with {@link QueueFullException}
 * @param prefillChunk prompt tokens evaluated per step while other sequences decode. A prompt
 *                     split at the same places as {@code kiln generate} splits it (the default,
 *                     {@value #DEFAULT_PREFILL_CHUNK}, the model's own micro-batch) gives exactly
 *                     its text; a smaller chunk stalls the other streams less
 */
public record BatchOptions(int slots, int contextSize, int maxQueue, int prefillChunk) {
    public static final int DEFAULT_PREFILL_CHUNK = 256;

    public BatchOptions {
        if (slots < 1) {
            throw new KilnException("slots (--parallel) must be at least 1, got " + slots);
        }
        if (contextSize < 0) {
            throw new KilnException("context size must be 0 (the model's) or more, got " + contextSize);
        }
        if (maxQueue < 0) {
            throw new KilnException("the queue limit must be 0 or more, got " + maxQueue);
        }
        if (prefillChunk < 1) {
            throw new KilnException("the prefill chunk must be at least 1 token, got " + prefillChunk);
        }
    }

    /** {@code slots} slots of the model's context, a queue of 64, the default prefill chunk. */
    public static BatchOptions of(int slots) {
        return new BatchOptions(slots, 0, 64, DEFAULT_PREFILL_CHUNK);
    }

    public BatchOptions withContextSize(int tokens) {
        return new BatchOptions(slots, tokens, maxQueue, prefillChunk);
    }

    public BatchOptions withMaxQueue(int n) {
        return new BatchOptions(slots, contextSize, n, prefillChunk);
    }

    public BatchOptions withPrefillChunk(int tokens) {
        return new BatchOptions(slots, contextSize, maxQueue, tokens);
    }
}
