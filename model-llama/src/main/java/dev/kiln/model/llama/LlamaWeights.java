package dev.kiln.model.llama;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import dev.kiln.model.llama.LlamaSchema.BlockTensor;

/**
 * Every tensor of a Llama model, checked against the hyper-parameters and bound zero-copy to the
 * file's mapping. Any quant type may appear on any matrix (a Q4_K_M file mixes several).
 *
 * @param ropeFrequencyFactors Llama 3.1+ per-pair divisors of the RoPE angles, or null
 */
record LlamaWeights(Weights tokenEmbedding, LlamaLayer[] layers, float[] outputNorm, Weights output,
                    float[] ropeFrequencyFactors) {

    static LlamaWeights bind(ModelFile file, LlamaHyperParameters hp, QuantTypes types) {
        Binder b = new Binder(file, types);
        int dim = hp.embeddingLength();
        Weights embedding = b.matrix(LlamaSchema.TOKEN_EMBD, hp.vocabularySize(), dim, "vocabulary x embedding_length");
        LlamaLayer[] layers = new LlamaLayer[hp.blockCount()];
        for (int l = 0; l < layers.length; l++) {
            int layer = l;
            Function<BlockTensor, Weights> m = t -> b.matrix(t.name(layer), t.rows(hp), t.columns(hp), t.meaning);
            Function<BlockTensor, float[]> v = t -> b.vector(t.name(layer), t.columns(hp), t.meaning);
            layers[l] = new LlamaLayer(v.apply(BlockTensor.ATTN_NORM), m.apply(BlockTensor.ATTN_Q),
                    m.apply(BlockTensor.ATTN_K), m.apply(BlockTensor.ATTN_V), m.apply(BlockTensor.ATTN_OUTPUT),
                    v.apply(BlockTensor.FFN_NORM), m.apply(BlockTensor.FFN_GATE), m.apply(BlockTensor.FFN_UP),
                    m.apply(BlockTensor.FFN_DOWN));
        }
        float[] outputNorm = b.vector(LlamaSchema.OUTPUT_NORM, dim, "embedding_length");
        // Tied embeddings: without an output head the token embedding doubles as one.
        Weights output = file.tensor(LlamaSchema.OUTPUT).isPresent()
                ? b.matrix(LlamaSchema.OUTPUT, hp.vocabularySize(), dim, "vocabulary x embedding_length")
                : embedding;
        float[] factors = file.tensor(LlamaSchema.ROPE_FREQS).isPresent()
                ? b.vector(LlamaSchema.ROPE_FREQS, hp.ropeDimensions() / 2, "rope.dimension_count/2")
                : null;
        if (factors != null) {
            for (int i = 0; i < factors.length; i++) {
                if (!(factors[i] > 0) || !Float.isFinite(factors[i])) {
                    throw new KilnException(file.path() + ": tensor rope_freqs.weight value " + i + " is " + factors[i]
                            + ", must be a positive number");
                }
            }
        }
        return new LlamaWeights(embedding, layers, outputNorm, output, factors);
    }

    /** Looks tensors up, checks their shapes and wraps their data. */
    private record Binder(ModelFile file, QuantTypes types) {

        Weights matrix(String name, int rows, int columns, String meaning) {
            TensorInfo t = require(name);
            long[] expected = {columns, rows};
            if (!sameShape(t.shape(), expected)) {
                throw wrongShape(t, expected, meaning);
            }
            QuantType type = types.require(t.type(), file.path() + ": tensor " + name);
            try {
                return new Weights(name, type, file.data(t), rows, columns);
            } catch (IllegalArgumentException e) {
                throw new KilnException(file.path() + ": tensor " + name + ": " + e.getMessage(), e);
            }
        }

        float[] vector(String name, int length, String meaning) {
            TensorInfo t = require(name);
            long[] expected = {length};
            if (!sameShape(t.shape(), expected)) {
                throw wrongShape(t, expected, meaning);
            }
            QuantType type = types.require(t.type(), file.path() + ": tensor " + name);
            float[] values = new float[length];
            type.dequantize(file.data(t), 0, values, 0, length);
            return values;
        }

        private TensorInfo require(String name) {
            Optional<TensorInfo> t = file.tensor(name);
            return t.orElseThrow(() -> new KilnException(file.path() + ": tensor " + name + " is missing"));
        }

        /** Equal shapes, ignoring trailing dimensions of 1. */
        private static boolean sameShape(long[] actual, long[] expected) {
            int n = Math.max(actual.length, expected.length);
            for (int i = 0; i < n; i++) {
                long a = i < actual.length ? actual[i] : 1;
                long e = i < expected.length ? expected[i] : 1;
                if (a != e) {
                    return false;
                }
            }
            return true;
        }

        private KilnException wrongShape(TensorInfo t, long[] expected, String meaning) {
            return new KilnException(file.path() + ": tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(expected) + " (" + meaning + ", GGUF order)");
        }
    }
}
