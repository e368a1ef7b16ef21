package dev.kiln.model.llama;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.model.TensorLayout;
import dev.kiln.model.llama.LlamaSchema.BlockTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Real Llama models' dimensions, for synthetic files (the presets of {@code make_synthetic_gguf.py}).
 * Each names the vocab fixture whose tokenizer it copies.
 */
enum LlamaShapes {
    /** TinyLlama-1.1B: Llama 2 architecture, SentencePiece vocab of 32000. */
    TINYLLAMA_1_1B("tinyllama-1.1b", 2048, 22, 5632, 32, 4, 2048, 10000f, false, "ggml-vocab-llama-spm.gguf"),
    /** Llama-3.2-1B: byte-level BPE vocab of 128256, tied embeddings. */
    LLAMA_3_2_1B("llama-3.2-1b", 2048, 16, 8192, 32, 8, 131072, 500000f, true, "ggml-vocab-llama-bpe.gguf"),
    /** A small model for quick tests. */
    SMALL("small", 256, 4, 768, 8, 4, 2048, 10000f, false, "ggml-vocab-llama-spm.gguf");

    private static final float RMS_EPSILON = 1e-5f;

    final String id;
    private final int embedding;
    private final int layers;
    private final int feedForward;
    private final int heads;
    private final int kvHeads;
    private final int context;
    private final float ropeBase;
    private final boolean tied;
    private final String vocabFixture;

    LlamaShapes(String id, int embedding, int layers, int feedForward, int heads, int kvHeads, int context,
                float ropeBase, boolean tied, String vocabFixture) {
        this.id = id;
        this.embedding = embedding;
        this.layers = layers;
        this.feedForward = feedForward;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.context = context;
        this.ropeBase = ropeBase;
        this.tied = tied;
        this.vocabFixture = vocabFixture;
    }

    static List<String> ids() {
        return Arrays.stream(values()).map(s -> s.id).toList();
    }

    static LlamaShapes named(String name) {
        for (LlamaShapes s : values()) {
            if (s.id.equalsIgnoreCase(name.trim())) {
                return s;
            }
        }
        throw new KilnException("unknown llama shape '" + name + "'; known: "
                + Arrays.stream(values()).map(s -> s.id).collect(Collectors.joining(", ")));
    }

    /** The metadata and tensors of this shape with {@code vocab} tokens, in the schema's names and order. */
    ModelLayout layout(int vocab) {
        int headDim = embedding / heads;
        LlamaHyperParameters hp = new LlamaHyperParameters(embedding, layers, heads, kvHeads, headDim, feedForward,
                context, RMS_EPSILON, ropeBase, headDim, 1f, vocab);
        Map<String, MetadataValue> m = new LinkedHashMap<>();
        m.put(LlamaSchema.CONTEXT_LENGTH, MetadataValue.ofUint32(context));
        m.put(LlamaSchema.EMBEDDING_LENGTH, MetadataValue.ofUint32(embedding));
        m.put(LlamaSchema.BLOCK_COUNT, MetadataValue.ofUint32(layers));
        m.put(LlamaSchema.FEED_FORWARD_LENGTH, MetadataValue.ofUint32(feedForward));
        m.put(LlamaSchema.HEAD_COUNT, MetadataValue.ofUint32(heads));
        m.put(LlamaSchema.HEAD_COUNT_KV, MetadataValue.ofUint32(kvHeads));
        m.put(LlamaSchema.ROPE_DIMENSION_COUNT, MetadataValue.ofUint32(headDim));
        m.put(LlamaSchema.ROPE_FREQ_BASE, MetadataValue.ofFloat32(ropeBase));
        m.put(LlamaSchema.RMS_EPSILON, MetadataValue.ofFloat32(RMS_EPSILON));
        m.put(LlamaSchema.VOCAB_SIZE, MetadataValue.ofUint32(vocab));

        List<TensorLayout> t = new ArrayList<>();
        t.add(matrix(LlamaSchema.TOKEN_EMBD, embedding, vocab));
        for (int l = 0; l < layers; l++) {
            for (BlockTensor b : BlockTensor.values()) {
                t.add(b.isVector() ? ones(b.name(l), b.columns(hp)) : matrix(b.name(l), b.columns(hp), b.rows(hp)));
            }
        }
        t.add(ones(LlamaSchema.OUTPUT_NORM, embedding));
        if (!tied) {
            t.add(matrix(LlamaSchema.OUTPUT, embedding, vocab));
        }
        return new ModelLayout(LlamaSchema.ARCHITECTURE, id, m, t, vocabFixture);
    }

    private static TensorLayout matrix(String name, int columns, int rows) {
        return new TensorLayout(name, new long[] {columns, rows}, TensorLayout.Kind.WEIGHTS);
    }

    private static TensorLayout ones(String name, int n) {
        return new TensorLayout(name, new long[] {n}, TensorLayout.Kind.ONES);
    }
}
