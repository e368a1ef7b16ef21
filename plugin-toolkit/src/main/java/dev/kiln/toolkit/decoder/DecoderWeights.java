package dev.kiln.toolkit.decoder;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Every tensor of a decoder-only model, checked against the hyper-parameters and bound zero-copy
 * to the file's mapping.
 *
 * @param output the output head: {@code output.weight}, or the token embedding when the file has
 *        none (tied embeddings)
 * @param ropeFrequencyFactors Llama 3.1+ per-pair divisors of the RoPE angles, or null
 * @param ropeFactorsLong LongRoPE's divisors for sessions beyond the original context, or null
 * @param ropeFactorsShort LongRoPE's divisors for sessions within it (null when {@code ropeFactorsLong} is)
 */
public record DecoderWeights(Weights tokenEmbedding, DecoderLayer[] layers, float[] outputNorm, Weights output,
                             float[] ropeFrequencyFactors, float[] ropeFactorsLong, float[] ropeFactorsShort) {

    /**
     * Binds the tensors of an architecture whose blocks hold {@code required} and may hold
     * {@code optional} (the others are not read), the token embedding, the output norm, an
     * optional output head and optional {@code rope_freqs.weight}.
     */
    public static DecoderWeights bind(ModelFile file, HyperParameters hp, QuantTypes types, Set<Block> required,
                                      Set<Block> optional) {
        return bind(file, hp, types, required, optional, false);
    }

    /**
     * As {@link #bind(ModelFile, HyperParameters, QuantTypes, Set, Set)}; with {@code alwaysTied}
     * the token embedding is the output head even when the file has an {@code output.weight}
     * (llama.cpp's Gemma 2 never reads one).
     */
    public static DecoderWeights bind(ModelFile file, HyperParameters hp, QuantTypes types, Set<Block> required,
                                      Set<Block> optional, boolean alwaysTied) {
        TensorBinder b = new TensorBinder(file, types);
        int dim = hp.embeddingLength();
        Weights embedding = b.matrix(DecoderTensors.TOKEN_EMBD, hp.vocabularySize(), dim, "vocabulary x embedding_length");
        DecoderLayer[] layers = new DecoderLayer[hp.blockCount()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = bindLayer(b, hp, l, required, optional);
        }
        float[] outputNorm = b.vector(DecoderTensors.OUTPUT_NORM, dim, "embedding_length");
        // Tied embeddings: without an output head the token embedding doubles as one.
        Weights output = !alwaysTied && b.has(DecoderTensors.OUTPUT)
                ? b.matrix(DecoderTensors.OUTPUT, hp.vocabularySize(), dim, "vocabulary x embedding_length")
                : embedding;
        float[] factors = ropeFactors(b, DecoderTensors.ROPE_FREQS, hp);
        float[] longFactors = ropeFactors(b, DecoderTensors.ROPE_FACTORS_LONG, hp);
        float[] shortFactors = ropeFactors(b, DecoderTensors.ROPE_FACTORS_SHORT, hp);
        if ((longFactors == null) != (shortFactors == null)) {
            throw new KilnException(file.path() + ": tensor " + (longFactors == null ? DecoderTensors.ROPE_FACTORS_LONG
                    : DecoderTensors.ROPE_FACTORS_SHORT) + " is missing (LongRoPE needs both factor tensors)");
        }
        return new DecoderWeights(embedding, layers, outputNorm, output, factors, longFactors, shortFactors);
    }

    /** Optional per-pair RoPE divisors {@code name}, which must be positive numbers; null when the file has none. */
    private static float[] ropeFactors(TensorBinder b, String name, HyperParameters hp) {
        if (!b.has(name)) {
            return null;
        }
        float[] factors = b.vector(name, hp.ropeDimensions() / 2, "rope.dimension_count/2");
        for (int i = 0; i < factors.length; i++) {
            if (!(factors[i] > 0) || !Float.isFinite(factors[i])) {
                throw new KilnException(b.file().path() + ": tensor " + name + " value " + i + " is " + factors[i]
                        + ", must be a positive number");
            }
        }
        return factors;
    }

    private static DecoderLayer bindLayer(TensorBinder b, HyperParameters hp, int layer, Set<Block> required,
                                          Set<Block> optional) {
        Map<Block, Weights> matrices = new EnumMap<>(Block.class);
        Map<Block, float[]> vectors = new EnumMap<>(Block.class);
        for (Block t : Block.values()) {
            if (!required.contains(t) && !(optional.contains(t) && b.has(t.name(layer)))) {
                continue;
            }
            if (t.isVector()) {
                vectors.put(t, b.vector(t.name(layer), t.columns(hp), t.meaning()));
            } else {
                matrices.put(t, b.matrix(t.name(layer), t.rows(hp), t.columns(hp), t.meaning()));
            }
        }
        Weights fused = matrices.remove(Block.ATTN_QKV);
        if (fused != null) {
            // as llama.cpp's build_qkv: q, k and v are consecutive row ranges of one product
            matrices.put(Block.ATTN_Q, rows(fused, "q", 0, hp.queryLength()));
            matrices.put(Block.ATTN_K, rows(fused, "k", hp.queryLength(), hp.kvLength()));
            matrices.put(Block.ATTN_V, rows(fused, "v", hp.queryLength() + hp.kvLength(), hp.kvLength()));
        }
        Weights gateUp = matrices.remove(Block.FFN_GATE_UP);
        if (gateUp != null) {
            // ggml_swiglu on the fused product: SiLU of the first half times the second
            matrices.put(Block.FFN_GATE, rows(gateUp, "gate", 0, hp.feedForwardLength()));
            matrices.put(Block.FFN_UP, rows(gateUp, "up", hp.feedForwardLength(), hp.feedForwardLength()));
        }
        return new DecoderLayer(vectors.get(Block.ATTN_NORM), matrices.get(Block.ATTN_Q), vectors.get(Block.ATTN_Q_BIAS),
                matrices.get(Block.ATTN_K), vectors.get(Block.ATTN_K_BIAS), matrices.get(Block.ATTN_V),
                vectors.get(Block.ATTN_V_BIAS), vectors.get(Block.ATTN_Q_NORM), vectors.get(Block.ATTN_K_NORM),
                matrices.get(Block.ATTN_OUTPUT), vectors.get(Block.ATTN_POST_NORM), vectors.get(Block.FFN_NORM),
                matrices.get(Block.FFN_GATE), matrices.get(Block.FFN_UP), matrices.get(Block.FFN_DOWN),
                vectors.get(Block.FFN_POST_NORM));
    }

    /** Rows {@code [first, first + count)} of {@code w}, zero-copy: each row's products are those of the whole matrix. */
    private static Weights rows(Weights w, String part, int first, int count) {
        return new Weights(w.name() + "[" + part + "]", w.type(), w.data().asSlice(first * w.rowBytes(), count * w.rowBytes()),
                count, w.columns());
    }
}
