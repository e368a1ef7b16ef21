package dev.kiln.toolkit.decoder;

import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.model.TensorLayout;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link ModelLayout} of a decoder-only model at given dimensions, for an architecture's
 * synthetic shapes: the standard {@code ARCH.*} keys, the architecture's own, and the tensors in
 * {@link DecoderTensors}' names and order (norm weights ones, everything else random).
 */
public final class DecoderLayout {

    private DecoderLayout() {
    }

    /**
     * @param keys the architecture's keys
     * @param preset the shape's name
     * @param hp the dimensions ({@code vocabularySize} included)
     * @param blocks the tensors of each block
     * @param tied whether the token embedding doubles as the output head (no {@code output.weight})
     * @param vocabFixture the vocab fixture the shape copies its tokenizer from
     * @param extra the architecture's own keys, written after the standard ones
     * @param globals tensors outside the blocks besides the embedding, norm and head (LongRoPE's
     *        factors), written after the token embedding
     */
    public static ModelLayout of(ArchitectureKeys keys, String preset, HyperParameters hp, Set<Block> blocks, boolean tied,
                                 String vocabFixture, Map<String, MetadataValue> extra, List<TensorLayout> globals) {
        Map<String, MetadataValue> m = new LinkedHashMap<>();
        m.put(keys.contextLength(), MetadataValue.ofUint32(hp.contextLength()));
        m.put(keys.embeddingLength(), MetadataValue.ofUint32(hp.embeddingLength()));
        m.put(keys.blockCount(), MetadataValue.ofUint32(hp.blockCount()));
        m.put(keys.feedForwardLength(), MetadataValue.ofUint32(hp.feedForwardLength()));
        m.put(keys.headCount(), MetadataValue.ofUint32(hp.headCount()));
        m.put(keys.headCountKv(), MetadataValue.ofUint32(hp.headCountKv()));
        if (hp.headDim() * hp.headCount() != hp.embeddingLength()) {
            m.put(keys.keyLength(), MetadataValue.ofUint32(hp.headDim()));
            m.put(keys.valueLength(), MetadataValue.ofUint32(hp.headDim()));
        }
        m.put(keys.ropeFreqBase(), MetadataValue.ofFloat32(hp.ropeFreqBase()));
        if (hp.ropeFreqScale() != 1f) {
            m.put(keys.ropeScalingType(), MetadataValue.ofString("linear"));
            m.put(keys.ropeScalingFactor(), MetadataValue.ofFloat32(1f / hp.ropeFreqScale()));
        }
        m.put(keys.rmsEpsilon(), MetadataValue.ofFloat32(hp.rmsEpsilon()));
        if (hp.ropeOriginalContext() != hp.contextLength()) {
            m.put(keys.ropeOriginalContext(), MetadataValue.ofUint32(hp.ropeOriginalContext()));
        }
        if (hp.ropeAttentionFactor() != 1f) {
            m.put(keys.ropeAttentionFactor(), MetadataValue.ofFloat32(hp.ropeAttentionFactor()));
        }
        m.putAll(extra);

        int dim = hp.embeddingLength();
        List<TensorLayout> t = new ArrayList<>();
        t.add(matrix(DecoderTensors.TOKEN_EMBD, dim, hp.vocabularySize()));
        t.addAll(globals);
        for (int l = 0; l < hp.blockCount(); l++) {
            for (Block b : Block.values()) {
                if (!blocks.contains(b)) {
                    continue;
                }
                if (b.kind() == Block.Kind.NORM) {
                    t.add(new TensorLayout(b.name(l), new long[] {b.columns(hp)}, TensorLayout.Kind.ONES));
                } else if (b.kind() == Block.Kind.BIAS) {
                    t.add(new TensorLayout(b.name(l), new long[] {b.columns(hp)}, TensorLayout.Kind.WEIGHTS));
                } else {
                    t.add(matrix(b.name(l), b.columns(hp), b.rows(hp)));
                }
            }
        }
        t.add(new TensorLayout(DecoderTensors.OUTPUT_NORM, new long[] {dim}, TensorLayout.Kind.ONES));
        if (!tied) {
            t.add(matrix(DecoderTensors.OUTPUT, dim, hp.vocabularySize()));
        }
        return new ModelLayout(keys.architecture(), preset, m, t, vocabFixture);
    }

    private static TensorLayout matrix(String name, int columns, int rows) {
        return new TensorLayout(name, new long[] {columns, rows}, TensorLayout.Kind.WEIGHTS);
    }
}
