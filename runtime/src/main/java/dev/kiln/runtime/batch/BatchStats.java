package dev.kiln.runtime.batch;

/**
 * A snapshot of a {@link BatchScheduler}'s work.
 *
 * @param slots sequences that can run at once
 * @param activeSlots sequences running now (prefilling or decoding)
 * @param queued requests waiting for a slot
 * @param requests requests accepted since the start
 * @param completed requests that ended normally
 * @param failed requests that ended with an error
 * @param cancelled requests cancelled by their caller
 * @param rejected requests refused because the queue was full
 * @param promptTokens prompt tokens evaluated
 * @param generatedTokens tokens generated
 * @param decodeSteps batched decode steps run
 * @param tokensPerSecond generated tokens per second over the last few seconds
 */
public record BatchStats(int slots, int activeSlots, int queued, long requests, long completed, long failed,
                         long cancelled, long rejected, long promptTokens, long generatedTokens, long decodeSteps,
                         double tokensPerSecond) {
}
