package dev.kiln.model.llama;

import dev.kiln.api.backend.Weights;

/** One transformer block's tensors ({@code blk.N.*}); norm weights are small and read into arrays. */
record LlamaLayer(
        float[] attentionNorm,
        Weights query,
        Weights key,
        Weights value,
        Weights attentionOutput,
        float[] feedForwardNorm,
        Weights gate,
        Weights up,
        Weights down) {
}
