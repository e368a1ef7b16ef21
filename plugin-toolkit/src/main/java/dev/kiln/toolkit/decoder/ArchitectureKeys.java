package dev.kiln.toolkit.decoder;

/**
 * The metadata keys every decoder-only architecture writes under its own prefix (gguf-py's
 * {@code Keys.LLM}, {@code Keys.Attention} and {@code Keys.Rope}), e.g. {@code qwen2.block_count}.
 *
 * @param architecture the {@code general.architecture} value and key prefix
 */
public record ArchitectureKeys(String architecture) {

    /** {@code ARCH.name}: a key of this architecture. */
    public String key(String name) {
        return architecture + "." + name;
    }

    public String contextLength() {
        return key("context_length");
    }

    public String embeddingLength() {
        return key("embedding_length");
    }

    public String blockCount() {
        return key("block_count");
    }

    public String feedForwardLength() {
        return key("feed_forward_length");
    }

    public String headCount() {
        return key("attention.head_count");
    }

    public String headCountKv() {
        return key("attention.head_count_kv");
    }

    public String keyLength() {
        return key("attention.key_length");
    }

    public String valueLength() {
        return key("attention.value_length");
    }

    public String rmsEpsilon() {
        return key("attention.layer_norm_rms_epsilon");
    }

    public String slidingWindow() {
        return key("attention.sliding_window");
    }

    /** Which layers use the sliding window: one flag per layer, or every Nth layer dense ({@code N}). */
    public String slidingWindowPattern() {
        return key("attention.sliding_window_pattern");
    }

    /** The attention score soft cap (Gemma 2). */
    public String attentionLogitSoftcapping() {
        return key("attn_logit_softcapping");
    }

    /** The output logit soft cap (Gemma 2, some Gemma 3). */
    public String finalLogitSoftcapping() {
        return key("final_logit_softcapping");
    }

    public String ropeDimensionCount() {
        return key("rope.dimension_count");
    }

    public String ropeFreqBase() {
        return key("rope.freq_base");
    }

    /** The RoPE base of the sliding-window layers (Gemma 3). */
    public String ropeFreqBaseSwa() {
        return key("rope.freq_base_swa");
    }

    public String ropeScalingType() {
        return key("rope.scaling.type");
    }

    public String ropeScalingFactor() {
        return key("rope.scaling.factor");
    }

    public String ropeOriginalContext() {
        return key("rope.scaling.original_context_length");
    }

    public String ropeAttentionFactor() {
        return key("rope.scaling.attn_factor");
    }

    public String ropeScaleLinear() {
        return key("rope.scale_linear");
    }

    public String vocabSize() {
        return key("vocab_size");
    }
}
