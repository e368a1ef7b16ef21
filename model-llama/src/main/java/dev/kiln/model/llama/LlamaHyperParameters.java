package dev.kiln.model.llama;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.ModelFile;
import java.util.Locale;
import java.util.Optional;

/**
 * The numbers that shape a Llama model, read from {@code llama.*} metadata with llama.cpp's
 * defaults. {@code vocabularySize} comes from the token embedding's rows (checked against
 * {@code llama.vocab_size} when that key exists).
 *
 * @param ropeFreqScale multiplies every RoPE angle: 1, or 1/factor for linear rope scaling
 */
record LlamaHyperParameters(
        int embeddingLength,
        int blockCount,
        int headCount,
        int headCountKv,
        int headDim,
        int feedForwardLength,
        int contextLength,
        float rmsEpsilon,
        float ropeFreqBase,
        int ropeDimensions,
        float ropeFreqScale,
        int vocabularySize) {

    int queryLength() {
        return headCount * headDim;
    }

    int kvLength() {
        return headCountKv * headDim;
    }

    static LlamaHyperParameters read(ModelFile file) {
        Metadata m = file.metadata();
        String arch = m.findString("general.architecture").orElse(LlamaSchema.ARCHITECTURE);
        if (!arch.equals(LlamaSchema.ARCHITECTURE)) {
            throw new KilnException(file.path() + ": general.architecture is '" + arch + "', not llama");
        }
        int dim = positive(file, LlamaSchema.EMBEDDING_LENGTH, m.getInt(LlamaSchema.EMBEDDING_LENGTH));
        int layers = positive(file, LlamaSchema.BLOCK_COUNT, m.getInt(LlamaSchema.BLOCK_COUNT));
        int heads = positive(file, LlamaSchema.HEAD_COUNT, m.getInt(LlamaSchema.HEAD_COUNT));
        int kvHeads = positive(file, LlamaSchema.HEAD_COUNT_KV, m.getInt(LlamaSchema.HEAD_COUNT_KV, heads));
        if (heads % kvHeads != 0) {
            throw bad(file, LlamaSchema.HEAD_COUNT_KV, kvHeads + " does not divide head_count " + heads);
        }
        int headDim;
        if (m.contains(LlamaSchema.KEY_LENGTH)) {
            headDim = positive(file, LlamaSchema.KEY_LENGTH, m.getInt(LlamaSchema.KEY_LENGTH));
        } else {
            if (dim % heads != 0) {
                throw bad(file, LlamaSchema.HEAD_COUNT, heads + " does not divide embedding_length " + dim);
            }
            headDim = dim / heads;
        }
        int valueLength = m.getInt(LlamaSchema.VALUE_LENGTH, headDim);
        if (valueLength != headDim) {
            throw bad(file, LlamaSchema.VALUE_LENGTH, valueLength + " differs from key_length " + headDim
                    + " (not supported)");
        }
        int ffn = positive(file, LlamaSchema.FEED_FORWARD_LENGTH, m.getInt(LlamaSchema.FEED_FORWARD_LENGTH));
        int ctx = positive(file, LlamaSchema.CONTEXT_LENGTH, m.getInt(LlamaSchema.CONTEXT_LENGTH, 2048));
        float eps = m.getFloat(LlamaSchema.RMS_EPSILON, 1e-5f);
        if (!(eps > 0) || !Float.isFinite(eps)) {
            throw bad(file, LlamaSchema.RMS_EPSILON, "is " + eps + ", must be a positive number");
        }
        float base = m.getFloat(LlamaSchema.ROPE_FREQ_BASE, 10000f);
        if (!(base > 1) || !Float.isFinite(base)) {
            throw bad(file, LlamaSchema.ROPE_FREQ_BASE, "is " + base + ", must be a number above 1");
        }
        int ropeDims = m.getInt(LlamaSchema.ROPE_DIMENSION_COUNT, headDim);
        if (ropeDims <= 0 || ropeDims % 2 != 0 || ropeDims > headDim) {
            throw bad(file, LlamaSchema.ROPE_DIMENSION_COUNT, "is " + ropeDims + ", must be even and at most the head size " + headDim);
        }
        float freqScale = ropeFreqScale(file, m);
        int vocab = file.tensor(LlamaSchema.TOKEN_EMBD)
                .map(t -> (int) Math.min(Integer.MAX_VALUE, t.rows()))
                .orElseThrow(() -> new KilnException(file.path() + ": tensor " + LlamaSchema.TOKEN_EMBD + " is missing"));
        Optional<Long> declared = m.findLong(LlamaSchema.VOCAB_SIZE);
        if (declared.isPresent() && declared.get() != vocab) {
            throw bad(file, LlamaSchema.VOCAB_SIZE, "is " + declared.get() + " but " + LlamaSchema.TOKEN_EMBD + " has " + vocab + " rows");
        }
        return new LlamaHyperParameters(dim, layers, heads, kvHeads, headDim, ffn, ctx, eps, base, ropeDims, freqScale, vocab);
    }

    /**
     * llama.cpp's rule: the scaling type defaults to linear, whose angle multiplier is
     * 1/{@code rope.scaling.factor} (or the older {@code rope.scale_linear}), 1 when no factor is
     * given; type none never scales. Llama 3.1's scheme comes as the rope_freqs tensor instead.
     */
    private static float ropeFreqScale(ModelFile file, Metadata m) {
        String type = m.findString(LlamaSchema.ROPE_SCALING_TYPE).orElse("linear").toLowerCase(Locale.ROOT);
        String factorKey = m.contains(LlamaSchema.ROPE_SCALING_FACTOR) ? LlamaSchema.ROPE_SCALING_FACTOR : LlamaSchema.ROPE_SCALE_LINEAR;
        float factor = m.getFloat(factorKey, 0f);
        switch (type) {
            case "none" -> {
                return 1f;
            }
            case "linear" -> {
                if (factor == 0) {
                    return 1f;
                }
                if (!(factor > 0) || !Float.isFinite(factor)) {
                    throw bad(file, factorKey, "is " + factor + ", must be positive");
                }
                return 1f / factor;
            }
            default -> throw bad(file, LlamaSchema.ROPE_SCALING_TYPE,
                    "is '" + type + "'; Kiln supports none and linear (and Llama 3 frequency factors in rope_freqs.weight)");
        }
    }

    private static int positive(ModelFile file, String key, int v) {
        if (v <= 0) {
            throw bad(file, key, "is " + v + ", must be positive");
        }
        return v;
    }

    private static KilnException bad(ModelFile file, String key, String problem) {
        return new KilnException(file.path() + ": metadata key '" + key + "' " + problem);
    }
}
