package dev.kiln.toolkit.decoder;

import dev.kiln.api.format.MetadataValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A real model's dimensions, for an architecture's synthetic files ({@code kiln synth --shape}).
 *
 * @param id the shape's name, e.g. {@code qwen2.5-0.5b}
 * @param dimensions the hyper-parameters (the vocabulary size comes from the vocab file used)
 * @param tied whether the token embedding doubles as the output head
 * @param vocabulary the file name of the vocab fixture in Kiln's {@code fixtures/vocab} it copies
 * @param metadata the architecture's own keys of this shape (e.g. Gemma's sliding window and soft
 *        caps), written after the standard ones, in order
 */
public record DecoderShape(String id, HyperParameters dimensions, boolean tied, String vocabulary,
                           Map<String, MetadataValue> metadata) {

    public DecoderShape {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(dimensions, "dimensions is null");
        Objects.requireNonNull(vocabulary, "vocabulary is null");
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A shape without keys of its own. */
    public DecoderShape(String id, HyperParameters dimensions, boolean tied, String vocabulary) {
        this(id, dimensions, tied, vocabulary, Map.of());
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

    /** This shape with the key {@code key} (an architecture key, e.g. {@code gemma2.attention.sliding_window}) set. */
    public DecoderShape with(String key, MetadataValue value) {
        Map<String, MetadataValue> m = new LinkedHashMap<>(metadata);
        m.put(key, value);
        return new DecoderShape(id, dimensions, tied, vocabulary, m);
    }

    /** This shape with linear RoPE scaling by {@code factor} (every angle divided by it). */
    public DecoderShape withLinearRopeScaling(float factor) {
        HyperParameters d = dimensions;
        return new DecoderShape(id, new HyperParameters(d.embeddingLength(), d.blockCount(), d.headCount(), d.headCountKv(),
                d.headDim(), d.feedForwardLength(), d.contextLength(), d.rmsEpsilon(), d.ropeFreqBase(), d.ropeDimensions(),
                1f / factor, d.vocabularySize(), d.ropeOriginalContext(), d.ropeAttentionFactor()), tied, vocabulary, metadata);
    }
}
