package dev.kiln.model.llama;

import java.util.function.ToIntFunction;

/**
 * The names of a Llama file: its {@code llama.*} metadata keys and its tensors with their shapes.
 * The loader checks files against it and synthetic files are written from it, so the two can
 * never disagree.
 */
final class LlamaSchema {
    static final String ARCHITECTURE = "llama";

    static final String CONTEXT_LENGTH = "llama.context_length";
    static final String EMBEDDING_LENGTH = "llama.embedding_length";
    static final String BLOCK_COUNT = "llama.block_count";
    static final String FEED_FORWARD_LENGTH = "llama.feed_forward_length";
    static final String HEAD_COUNT = "llama.attention.head_count";
    static final String HEAD_COUNT_KV = "llama.attention.head_count_kv";
    static final String KEY_LENGTH = "llama.attention.key_length";
    static final String VALUE_LENGTH = "llama.attention.value_length";
    static final String RMS_EPSILON = "llama.attention.layer_norm_rms_epsilon";
    static final String ROPE_DIMENSION_COUNT = "llama.rope.dimension_count";
    static final String ROPE_FREQ_BASE = "llama.rope.freq_base";
    static final String ROPE_SCALING_TYPE = "llama.rope.scaling.type";
    static final String ROPE_SCALING_FACTOR = "llama.rope.scaling.factor";
    static final String ROPE_SCALE_LINEAR = "llama.rope.scale_linear";
    static final String VOCAB_SIZE = "llama.vocab_size";

    static final String TOKEN_EMBD = "token_embd.weight";
    static final String OUTPUT_NORM = "output_norm.weight";
    static final String OUTPUT = "output.weight";
    static final String ROPE_FREQS = "rope_freqs.weight";

    private LlamaSchema() {
    }

    /** One block's tensors, in file order, with their shapes (GGUF order: row length, rows). */
    enum BlockTensor {
        ATTN_NORM("attn_norm.weight", LlamaHyperParameters::embeddingLength, h -> 1, "embedding_length"),
        ATTN_Q("attn_q.weight", LlamaHyperParameters::embeddingLength, LlamaHyperParameters::queryLength,
                "head_count*head_dim x embedding_length"),
        ATTN_K("attn_k.weight", LlamaHyperParameters::embeddingLength, LlamaHyperParameters::kvLength,
                "head_count_kv*head_dim x embedding_length"),
        ATTN_V("attn_v.weight", LlamaHyperParameters::embeddingLength, LlamaHyperParameters::kvLength,
                "head_count_kv*head_dim x embedding_length"),
        ATTN_OUTPUT("attn_output.weight", LlamaHyperParameters::queryLength, LlamaHyperParameters::embeddingLength,
                "embedding_length x head_count*head_dim"),
        FFN_NORM("ffn_norm.weight", LlamaHyperParameters::embeddingLength, h -> 1, "embedding_length"),
        FFN_GATE("ffn_gate.weight", LlamaHyperParameters::embeddingLength, LlamaHyperParameters::feedForwardLength,
                "feed_forward_length x embedding_length"),
        FFN_UP("ffn_up.weight", LlamaHyperParameters::embeddingLength, LlamaHyperParameters::feedForwardLength,
                "feed_forward_length x embedding_length"),
        FFN_DOWN("ffn_down.weight", LlamaHyperParameters::feedForwardLength, LlamaHyperParameters::embeddingLength,
                "embedding_length x feed_forward_length");

        final String suffix;
        private final ToIntFunction<LlamaHyperParameters> columns;
        private final ToIntFunction<LlamaHyperParameters> rows;
        /** The shape in words, for errors. */
        final String meaning;

        BlockTensor(String suffix, ToIntFunction<LlamaHyperParameters> columns, ToIntFunction<LlamaHyperParameters> rows,
                    String meaning) {
            this.suffix = suffix;
            this.columns = columns;
            this.rows = rows;
            this.meaning = meaning;
        }

        String name(int layer) {
            return "blk." + layer + "." + suffix;
        }

        boolean isVector() {
            return this == ATTN_NORM || this == FFN_NORM;
        }

        int columns(LlamaHyperParameters hp) {
            return columns.applyAsInt(hp);
        }

        int rows(LlamaHyperParameters hp) {
            return rows.applyAsInt(hp);
        }
    }
}
