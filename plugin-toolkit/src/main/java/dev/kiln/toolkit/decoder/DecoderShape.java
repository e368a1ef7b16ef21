package dev.kiln.toolkit.decoder;

import java.util.Objects;

/**
 * A real model's dimensions, for an architecture's synthetic files ({@code kiln synth --shape}).
 *
 * @param id the shape's name, e.g. {@code qwen2.5-0.5b}
 * @param dimensions the hyper-parameters (the vocabulary size comes from the vocab file used)
 * @param tied whether the token embedding doubles as the output head
 * @param vocabulary the file name of the vocab fixture in Kiln's {@code fixtures/vocab} it copies
 */
public record DecoderShape(String id, HyperParameters dimensions, boolean tied, String vocabulary) {

    public DecoderShape {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(dimensions, "dimensions is null");
        Objects.requireNonNull(vocabulary, "vocabulary is null");
    }

    /**
     * A shape with llama.cpp's usual defaults: RoPE over the whole head and no scaling.
     *
     * @param headDim the head size ({@code embedding / heads} unless the model says otherwise)
     */
    public static DecoderShape of(String id, int embedding, int layers, int feedForward, int heads, int kvHeads,
                                  int headDim, int context, float ropeBase, float rmsEpsilon, boolean tied, String vocabulary) {
        return new DecoderShape(id, new HyperParameters(embedding, layers, heads, kvHeads, headDim, feedForward, context,
                rmsEpsilon, ropeBase, headDim, 1f, 0, context, 1f), tied, vocabulary);
    }
}
