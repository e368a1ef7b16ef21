package dev.kiln.toolkit.decoder;

import dev.kiln.api.backend.Weights;

/**
 * One transformer block's tensors ({@code blk.N.*}). Norm weights and biases are small and read
 * into arrays; a tensor the architecture does not have is {@code null}.
 *
 * @param queryNorm per-head RMS norm weight of the queries (Qwen3, Gemma 3), or null
 * @param keyNorm per-head RMS norm weight of the keys, or null
 * @param postAttentionNorm RMS norm of the attention output before the residual add (Gemma 2/3), or null
 * @param postFeedForwardNorm RMS norm of the feed-forward output before the residual add, or null
 */
public record DecoderLayer(
        float[] attentionNorm,
        Weights query,
        float[] queryBias,
        Weights key,
        float[] keyBias,
        Weights value,
        float[] valueBias,
        float[] queryNorm,
        float[] keyNorm,
        Weights attentionOutput,
        float[] postAttentionNorm,
        float[] feedForwardNorm,
        Weights gate,
        Weights up,
        Weights down,
        float[] postFeedForwardNorm) {
}
