package dev.kiln.api.backend;

/**
 * How {@link Compute#attention(float[], float[], float[], float[], int, int, int, int, int, AttentionParameters)}
 * turns query-key products into weights.
 *
 * @param scale multiplies every score before the softmax (llama.cpp's {@code kq_scale}, usually
 *        {@code 1/√headDim}; 1 where the model scaled the queries itself)
 * @param softCap the attention logit soft cap ({@code cap · tanh(s / cap)} before scaling), or 0 for none
 * @param window the sliding window: a query at position {@code p} sees positions {@code t} with
 *        {@code p - t < window}; 0 for none (every earlier position)
 */
public record AttentionParameters(float scale, float softCap, int window) {

    public AttentionParameters {
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("attention scale is " + scale);
        }
        if (!(softCap >= 0) || !Float.isFinite(softCap)) {
            throw new IllegalArgumentException("attention soft cap is " + softCap + ", must be 0 (none) or positive");
        }
        if (window < 0) {
            throw new IllegalArgumentException("sliding window is " + window + ", must be 0 (none) or positive");
        }
    }

    /** Plain causal attention with scores scaled by {@code scale}. */
    public static AttentionParameters scaled(float scale) {
        return new AttentionParameters(scale, 0f, 0);
    }

    /** The first position a query at {@code position} sees. */
    public int firstVisible(int position) {
        return window == 0 ? 0 : Math.max(0, position - window + 1);
    }
}
