package dev.kiln.toolkit.decoder;

import java.util.function.ToIntFunction;

/**
 * llama.cpp's tensor names (gguf-py's {@code TENSOR_NAMES}) of a decoder-only transformer, with
 * their shapes in terms of the {@link HyperParameters}. An architecture lists the block tensors
 * its files have; its loader binds them and its synthetic files are written from the same list,
 * so the two can never disagree.
 */
public final class DecoderTensors {
    public static final String TOKEN_EMBD = "token_embd.weight";
    public static final String OUTPUT_NORM = "output_norm.weight";
    public static final String OUTPUT = "output.weight";
    public static final String ROPE_FREQS = "rope_freqs.weight";
    /** LongRoPE's per-pair divisors of the RoPE angles for sessions beyond the original context (Phi-3 128k). */
    public static final String ROPE_FACTORS_LONG = "rope_factors_long.weight";
    /** LongRoPE's per-pair divisors for sessions within the original context. */
    public static final String ROPE_FACTORS_SHORT = "rope_factors_short.weight";

    private DecoderTensors() {
    }

    /** One block's tensors, in the order a converted file has them, with shapes (GGUF order: row length, rows). */
    public enum Block {
        ATTN_NORM("attn_norm.weight", Kind.NORM, HyperParameters::embeddingLength, null, "embedding_length"),
        /** q, k and v projections in one matrix, their rows one after the other (Phi-3): bound as three row views. */
        ATTN_QKV("attn_qkv.weight", Kind.MATRIX, HyperParameters::embeddingLength,
                hp -> hp.queryLength() + 2 * hp.kvLength(), "(head_count + 2*head_count_kv)*head_dim x embedding_length"),
        ATTN_Q("attn_q.weight", Kind.MATRIX, HyperParameters::embeddingLength, HyperParameters::queryLength,
                "head_count*head_dim x embedding_length"),
        ATTN_Q_BIAS("attn_q.bias", Kind.BIAS, HyperParameters::queryLength, null, "head_count*head_dim"),
        ATTN_K("attn_k.weight", Kind.MATRIX, HyperParameters::embeddingLength, HyperParameters::kvLength,
                "head_count_kv*head_dim x embedding_length"),
        ATTN_K_BIAS("attn_k.bias", Kind.BIAS, HyperParameters::kvLength, null, "head_count_kv*head_dim"),
        ATTN_V("attn_v.weight", Kind.MATRIX, HyperParameters::embeddingLength, HyperParameters::kvLength,
                "head_count_kv*head_dim x embedding_length"),
        ATTN_V_BIAS("attn_v.bias", Kind.BIAS, HyperParameters::kvLength, null, "head_count_kv*head_dim"),
        ATTN_Q_NORM("attn_q_norm.weight", Kind.NORM, HyperParameters::headDim, null, "head_dim"),
        ATTN_K_NORM("attn_k_norm.weight", Kind.NORM, HyperParameters::headDim, null, "head_dim"),
        ATTN_OUTPUT("attn_output.weight", Kind.MATRIX, HyperParameters::queryLength, HyperParameters::embeddingLength,
                "embedding_length x head_count*head_dim"),
        ATTN_POST_NORM("post_attention_norm.weight", Kind.NORM, HyperParameters::embeddingLength, null, "embedding_length"),
        FFN_NORM("ffn_norm.weight", Kind.NORM, HyperParameters::embeddingLength, null, "embedding_length"),
        FFN_GATE("ffn_gate.weight", Kind.MATRIX, HyperParameters::embeddingLength, HyperParameters::feedForwardLength,
                "feed_forward_length x embedding_length"),
        FFN_UP("ffn_up.weight", Kind.MATRIX, HyperParameters::embeddingLength, HyperParameters::feedForwardLength,
                "feed_forward_length x embedding_length"),
        /** The gate's rows, then the up projection's, in one matrix (Phi-3's {@code ffn_up}): bound as two row views. */
        FFN_GATE_UP("ffn_up.weight", Kind.MATRIX, HyperParameters::embeddingLength, hp -> 2 * hp.feedForwardLength(),
                "2*feed_forward_length x embedding_length"),
        FFN_DOWN("ffn_down.weight", Kind.MATRIX, HyperParameters::feedForwardLength, HyperParameters::embeddingLength,
                "embedding_length x feed_forward_length"),
        FFN_POST_NORM("post_ffw_norm.weight", Kind.NORM, HyperParameters::embeddingLength, null, "embedding_length");

        /** What a block tensor is. */
        public enum Kind {
            /** A weight matrix, bound zero-copy. */
            MATRIX,
            /** A normalization weight, read into an array (ones in a synthetic file). */
            NORM,
            /** A bias vector, read into an array. */
            BIAS
        }

        private final String suffix;
        private final Kind kind;
        private final ToIntFunction<HyperParameters> columns;
        private final ToIntFunction<HyperParameters> rows;
        private final String meaning;

        Block(String suffix, Kind kind, ToIntFunction<HyperParameters> columns, ToIntFunction<HyperParameters> rows,
              String meaning) {
            this.suffix = suffix;
            this.kind = kind;
            this.columns = columns;
            this.rows = rows;
            this.meaning = meaning;
        }

        /** The tensor's name in block {@code layer}, e.g. {@code blk.3.attn_q.weight}. */
        public String name(int layer) {
            return "blk." + layer + "." + suffix;
        }

        public Kind kind() {
            return kind;
        }

        /** A one-dimensional tensor (a norm weight or a bias), read into an array. */
        public boolean isVector() {
            return kind != Kind.MATRIX;
        }

        /** The row length. */
        public int columns(HyperParameters hp) {
            return columns.applyAsInt(hp);
        }

        /** The number of rows (1 for a vector). */
        public int rows(HyperParameters hp) {
            return isVector() ? 1 : rows.applyAsInt(hp);
        }

        /** The shape in words, for errors. */
        public String meaning() {
            return meaning;
        }
    }
}
