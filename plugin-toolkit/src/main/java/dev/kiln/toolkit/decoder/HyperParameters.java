package dev.kiln.toolkit.decoder;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.ModelFile;
import java.util.Locale;
import java.util.Optional;

/**
 * The numbers that shape a decoder-only transformer, read from the standard {@code ARCH.*} keys
 * with llama.cpp's defaults. {@code vocabularySize} comes from the token embedding's rows (checked
 * against {@code ARCH.vocab_size} when that key exists); {@code headDim} from
 * {@code attention.key_length}, else {@code embedding_length / head_count}.
 *
 * @param ropeFreqScale multiplies every RoPE angle: 1, or 1/factor for linear rope scaling
 * @param ropeOriginalContext {@code rope.scaling.original_context_length} (else the context length):
 *        a session longer than this takes LongRoPE's long frequency factors, as llama.cpp's
 *        {@code get_rope_factors} does
 * @param ropeAttentionFactor {@code rope.scaling.attn_factor} (1 when absent): multiplies RoPE's
 *        cos and sin (LongRoPE's magnitude correction), as llama.cpp's {@code attn_factor}
 */
public record HyperParameters(
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
        int vocabularySize,
        int ropeOriginalContext,
        float ropeAttentionFactor) {

    /** Query (and attention output) values per row: {@code head_count × head_dim}. */
    public int queryLength() {
        return headCount * headDim;
    }

    /** Key (and value) values per row: {@code head_count_kv × head_dim}. */
    public int kvLength() {
        return headCountKv * headDim;
    }

    /** These dimensions with a vocabulary of {@code size} tokens. */
    public HyperParameters withVocabularySize(int size) {
        return new HyperParameters(embeddingLength, blockCount, headCount, headCountKv, headDim, feedForwardLength,
                contextLength, rmsEpsilon, ropeFreqBase, ropeDimensions, ropeFreqScale, size, ropeOriginalContext,
                ropeAttentionFactor);
    }

    /** These dimensions trained at {@code originalContext} positions and extended by LongRoPE with {@code attentionFactor}. */
    public HyperParameters withRopeScaling(int originalContext, float attentionFactor) {
        return new HyperParameters(embeddingLength, blockCount, headCount, headCountKv, headDim, feedForwardLength,
                contextLength, rmsEpsilon, ropeFreqBase, ropeDimensions, ropeFreqScale, vocabularySize, originalContext,
                attentionFactor);
    }

    /**
     * Reads the keys of {@code keys.architecture()}, which must be the file's
     * {@code general.architecture}; fails with the key's name on a missing or bad value.
     */
    public static HyperParameters read(ModelFile file, ArchitectureKeys keys) {
        Metadata m = file.metadata();
        MetadataReader r = new MetadataReader(file);
        String expected = keys.architecture();
        String arch = m.findString("general.architecture").orElse(expected);
        if (!arch.equals(expected)) {
            throw new KilnException(file.path() + ": general.architecture is '" + arch + "', not " + expected);
        }
        int dim = r.positiveInt(keys.embeddingLength());
        int layers = r.positiveInt(keys.blockCount());
        int heads = r.positiveInt(keys.headCount());
        int kvHeads = r.positiveInt(keys.headCountKv(), heads);
        if (heads % kvHeads != 0) {
            throw r.error(keys.headCountKv(), kvHeads + " does not divide head_count " + heads);
        }
        int headDim;
        if (m.contains(keys.keyLength())) {
            headDim = r.positiveInt(keys.keyLength());
        } else {
            if (dim % heads != 0) {
                throw r.error(keys.headCount(), heads + " does not divide embedding_length " + dim);
            }
            headDim = dim / heads;
        }
        int valueLength = m.getInt(keys.valueLength(), headDim);
        if (valueLength != headDim) {
            throw r.error(keys.valueLength(), valueLength + " differs from key_length " + headDim + " (not supported)");
        }
        int ffn = r.positiveInt(keys.feedForwardLength());
        int ctx = r.positiveInt(keys.contextLength(), 2048);
        float eps = r.positiveFloat(keys.rmsEpsilon(), 1e-5f);
        float base = m.getFloat(keys.ropeFreqBase(), 10000f);
        if (!(base > 1) || !Float.isFinite(base)) {
            throw r.error(keys.ropeFreqBase(), "is " + base + ", must be a number above 1");
        }
        int ropeDims = m.getInt(keys.ropeDimensionCount(), headDim);
        if (ropeDims <= 0 || ropeDims % 2 != 0 || ropeDims > headDim) {
            throw r.error(keys.ropeDimensionCount(), "is " + ropeDims + ", must be even and at most the head size " + headDim);
        }
        float freqScale = ropeFreqScale(r, keys);
        int vocab = file.tensor(DecoderTensors.TOKEN_EMBD)
                .map(t -> (int) Math.min(Integer.MAX_VALUE, t.rows()))
                .orElseThrow(() -> new KilnException(file.path() + ": tensor " + DecoderTensors.TOKEN_EMBD + " is missing"));
        Optional<Long> declared = m.findLong(keys.vocabSize());
        if (declared.isPresent() && declared.get() != vocab) {
            throw r.error(keys.vocabSize(), "is " + declared.get() + " but " + DecoderTensors.TOKEN_EMBD + " has " + vocab + " rows");
        }
        int originalContext = r.positiveInt(keys.ropeOriginalContext(), ctx);
        float attentionFactor = r.positiveFloat(keys.ropeAttentionFactor(), 1f);
        return new HyperParameters(dim, layers, heads, kvHeads, headDim, ffn, ctx, eps, base, ropeDims, freqScale, vocab,
                originalContext, attentionFactor);
    }

    /**
     * llama.cpp's rule: the scaling type defaults to linear, whose angle multiplier is
     * 1/{@code rope.scaling.factor} (or the older {@code rope.scale_linear}), 1 when no factor is
     * given; type none never scales. Llama 3.1's scheme comes as the rope_freqs tensor instead;
     * LongRoPE (Phi-3) as the rope_factors_long/short tensors, its factor scaling as linear does.
     */
    private static float ropeFreqScale(MetadataReader r, ArchitectureKeys keys) {
        Metadata m = r.metadata();
        String type = m.findString(keys.ropeScalingType()).orElse("linear").toLowerCase(Locale.ROOT);
        String factorKey = m.contains(keys.ropeScalingFactor()) ? keys.ropeScalingFactor() : keys.ropeScaleLinear();
        float factor = m.getFloat(factorKey, 0f);
        switch (type) {
            case "none" -> {
                return 1f;
            }
            case "linear", "longrope" -> {
                if (factor == 0) {
                    return 1f;
                }
                if (!(factor > 0) || !Float.isFinite(factor)) {
                    throw r.error(factorKey, "is " + factor + ", must be positive");
                }
                return 1f / factor;
            }
            default -> throw r.error(keys.ropeScalingType(),
                    "is '" + type + "'; Kiln supports none, linear and longrope (and Llama 3 frequency factors in rope_freqs.weight)");
        }
    }
}
