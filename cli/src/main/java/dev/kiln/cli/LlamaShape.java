package dev.kiln.cli;

import dev.kiln.api.KilnException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The dimensions of a real Llama model, for synthetic benchmark files; the same presets as
 * {@code make_synthetic_gguf.py}. Each names the vocab fixture whose tokenizer it copies.
 */
enum LlamaShape {
    /** TinyLlama-1.1B: Llama 2 architecture, SentencePiece vocab of 32000. */
    TINYLLAMA_1_1B("tinyllama-1.1b", 2048, 22, 5632, 32, 4, 2048, 10000f, false, "ggml-vocab-llama-spm.gguf"),
    /** Llama-3.2-1B: byte-level BPE vocab of 128256, tied embeddings. */
    LLAMA_3_2_1B("llama-3.2-1b", 2048, 16, 8192, 32, 8, 131072, 500000f, true, "ggml-vocab-llama-bpe.gguf"),
    /** A small model for quick tests. */
    SMALL("small", 256, 4, 768, 8, 4, 2048, 10000f, false, "ggml-vocab-llama-spm.gguf");

    final String id;
    final int embedding;
    final int layers;
    final int feedForward;
    final int heads;
    final int kvHeads;
    final int context;
    final float ropeBase;
    final boolean tied;
    final String vocabFixture;
    final float rmsEpsilon = 1e-5f;

    LlamaShape(String id, int embedding, int layers, int feedForward, int heads, int kvHeads, int context,
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

    int headDim() {
        return embedding / heads;
    }

    static LlamaShape named(String name) {
        for (LlamaShape s : values()) {
            if (s.id.equalsIgnoreCase(name.trim())) {
                return s;
            }
        }
        throw new KilnException("unknown shape '" + name + "'; known: " + names());
    }

    static String names() {
        return Arrays.stream(values()).map(s -> s.id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
