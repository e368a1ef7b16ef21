package dev.kiln.runtime.generate;

/**
 * What one generation did and how fast.
 *
 * @param promptTokens tokens evaluated as the prompt (one batch)
 * @param promptNanos time of the prompt's forward pass
 * @param generatedTokens tokens sampled after the prompt (an end token included)
 * @param generationNanos time from the prompt's logits to the last sampled token
 * @param stopReason why it ended
 * @param text the bytes printed, as a string
 * @param pendingToken the last sampled token if it was not fed back into the session (it ended
 *                     the generation), else -1
 */
public record Completion(int promptTokens, long promptNanos, int generatedTokens, long generationNanos,
                              StopReason stopReason, String text, int pendingToken) {

    /** Prompt processing speed in tokens per second. */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** Generation speed in tokens per second. */
    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : generatedTokens * 1e9 / generationNanos;
    }
}
