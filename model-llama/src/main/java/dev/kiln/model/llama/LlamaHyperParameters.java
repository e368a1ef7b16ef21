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

    private static final String P = "llama.";

    int queryLength() {
        return headCount * headDim;
    }

    int kvLength() {
        return headCountKv * headDim;
    }

    static LlamaHyperParameters read(ModelFile file) {
        Metadata m = file.metadata();
        String arch = m.findString("general.architecture").orElse("llama");
        if (!arch.equals("llama")) {
            throw new KilnException(file.path() + ": general.architecture is '" + arch + "', not llama");
        }
        int dim = positive(file, P + "embedding_length", m.getInt(P + "embedding_length"));
        int layers = positive(file, P + "block_count", m.getInt(P + "block_count"));
        int heads = positive(file, P + "attention.head_count", m.getInt(P + "attention.head_count"));
        int kvHeads = positive(file, P + "attention.head_count_kv", m.getInt(P + "attention.head_count_kv", heads));
        if (heads % kvHeads != 0) {
            throw bad(file, P + "attention.head_count_kv", kvHeads + " does not divide head_count " + heads);
        }
        int headDim;
        if (m.contains(P + "attention.key_length")) {
            headDim = positive(file, P + "attention.key_length", m.getInt(P + "attention.key_length"));
        } else {
            if (dim % heads != 0) {
                throw bad(file, P + "attention.head_count", heads + " does not divide embedding_length " + dim);
            }
            headDim = dim / heads;
        }
        int valueLength = m.getInt(P + "attention.value_length", headDim);
        if (valueLength != headDim) {
            throw bad(file, P + "attention.value_length", valueLength + " differs from key_length " + headDim
                    + " (not supported)");
        }
        int ffn = positive(file, P + "feed_forward_length", m.getInt(P + "feed_forward_length"));
        int ctx = positive(file, P + "context_length", m.getInt(P + "context_length", 2048));
        float eps = m.getFloat(P + "attention.layer_norm_rms_epsilon", 1e-5f);
        if (!(eps > 0) || !Float.isFinite(eps)) {
            throw bad(file, P + "attention.layer_norm_rms_epsilon", "is " + eps + ", must be a positive number");
        }
        float base = m.getFloat(P + "rope.freq_base", 10000f);
        if (!(base > 1) || !Float.isFinite(base)) {
            throw bad(file, P + "rope.freq_base", "is " + base + ", must be a number above 1");
        }
        int ropeDims = m.getInt(P + "rope.dimension_count", headDim);
        if (ropeDims <= 0 || ropeDims % 2 != 0 || ropeDims > headDim) {
            throw bad(file, P + "rope.dimension_count", "is " + ropeDims + ", must be even and at most the head size " + headDim);
        }
        float freqScale = ropeFreqScale(file, m);
        int vocab = file.tensor(LlamaWeights.TOKEN_EMBD)
                .map(t -> (int) Math.min(Integer.MAX_VALUE, t.rows()))
                .orElseThrow(() -> new KilnException(file.path() + ": tensor " + LlamaWeights.TOKEN_EMBD + " is missing"));
        Optional<Long> declared = m.findLong(P + "vocab_size");
        if (declared.isPresent() && declared.get() != vocab) {
            throw bad(file, P + "vocab_size", "is " + declared.get() + " but " + LlamaWeights.TOKEN_EMBD + " has " + vocab + " rows");
        }
        return new LlamaHyperParameters(dim, layers, heads, kvHeads, headDim, ffn, ctx, eps, base, ropeDims, freqScale, vocab);
    }

    /**
     * llama.cpp's rule: the scaling type defaults to linear, whose angle multiplier is
     * 1/{@code rope.scaling.factor} (or the older {@code rope.scale_linear}), 1 when no factor is
     * given; type none never scales. Llama 3.1's scheme comes as the rope_freqs tensor instead.
     */
    private static float ropeFreqScale(ModelFile file, Metadata m) {
        String type = m.findString(P + "rope.scaling.type").orElse("linear").toLowerCase(Locale.ROOT);
        String factorKey = m.contains(P + "rope.scaling.factor") ? P + "rope.scaling.factor" : P + "rope.scale_linear";
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
            default -> throw bad(file, P + "rope.scaling.type",
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
