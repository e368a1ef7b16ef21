package dev.kiln.toolkit.decoder;

import dev.kiln.api.backend.AttentionParameters;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.model.NumericException;
import java.util.List;

/**
 * The decoder layers over the rows of one step, in the order llama.cpp's build functions apply
 * them: attention norm; q/k/v projections (+ biases); per-head q/k norms; RoPE; query scaling;
 * attention (soft cap, sliding window) over the F16 cache; output projection (+ post-attention
 * norm) and residual; feed-forward norm, gated feed-forward (SwiGLU or GeGLU) (+ post-FFN norm)
 * and residual. What a {@link DecoderConfig} and the layer's tensors leave out is skipped.
 *
 * <p>A step is either one sequence's consecutive tokens (a prompt, or a single decoded token) or
 * one token of each of several sequences (continuous batching). Matrix products see every row
 * at once; RoPE, the KV cache and attention run per sequence. Rows of several sequences go
 * through {@link Compute#matvecEach}, so each gets exactly the arithmetic it would get alone.
 */
final class DecoderForward {
    /**
     * The rows {@code [row, row + count)} of a step belong to the sequence with these caches, from
     * {@code firstPos}, rotated with the RoPE factors of {@code ropeVariant}.
     */
    record Segment(KvCache[] caches, int firstPos, int count, int row, int ropeVariant) {
    }

    private final DecoderConfig config;
    private final HyperParameters hp;
    private final DecoderWeights weights;
    private final Compute compute;
    private final DecoderModel model;
    private final AttentionParameters[] attention;

    DecoderForward(DecoderConfig config, DecoderWeights weights, Compute compute, DecoderModel model) {
        this.config = config;
        this.hp = config.hp();
        this.weights = weights;
        this.compute = compute;
        this.model = model;
        this.attention = new AttentionParameters[hp.blockCount()];
        for (int l = 0; l < attention.length; l++) {
            attention[l] = config.attention(l);
        }
    }

    /**
     * Runs {@code tokens[offset ..]} through every layer; the residual stream is left in {@code a.x}.
     * The segments cover the rows in order; a step of several segments has one row per segment.
     */
    void layers(Activations a, int[] tokens, int offset, List<Segment> segments) {
        int n = 0;
        for (Segment s : segments) {
            n += s.count();
        }
        a.reserve(n);
        int dim = hp.embeddingLength();
        boolean independent = segments.size() > 1;
        int lastPos = 0;
        for (Segment s : segments) {
            lastPos = Math.max(lastPos, s.firstPos() + s.count());
        }

        Weights embedding = weights.tokenEmbedding();
        for (int b = 0; b < n; b++) {
            embedding.type().dequantize(embedding.data(), tokens[offset + b] * embedding.rowBytes(), a.x, b * dim, dim);
        }
        if (config.embeddingScale() != 1f) {
            compute.scale(a.x, n * dim, config.embeddingScale());
        }
        requireFinite(a.x, segments, dim, "the token embedding");

        RopeTable[][] ropes = new RopeTable[2][];
        for (Segment s : segments) {
            if (ropes[s.ropeVariant()] == null) {
                ropes[s.ropeVariant()] = model.ropeTables(lastPos, s.ropeVariant());
            }
        }
        for (int l = 0; l < weights.layers().length; l++) {
            DecoderLayer layer = weights.layers()[l];
            int ropeIndex = model.ropeIndex(l);
            compute.rmsNorm(a.x, layer.attentionNorm(), hp.rmsEpsilon(), a.normed, dim, n);
            project(layer.query(), layer.queryBias(), a.normed, a.q, n, independent);
            project(layer.key(), layer.keyBias(), a.normed, a.k, n, independent);
            project(layer.value(), layer.valueBias(), a.normed, a.v, n, independent);
            if (layer.queryNorm() != null) {
                compute.rmsNorm(a.q, layer.queryNorm(), hp.rmsEpsilon(), a.q, hp.headDim(), n * hp.headCount());
            }
            if (layer.keyNorm() != null) {
                compute.rmsNorm(a.k, layer.keyNorm(), hp.rmsEpsilon(), a.k, hp.headDim(), n * hp.headCountKv());
            }
            if (independent) {
                for (Segment s : segments) {
                    attendOneRow(a, s, l, ropes[s.ropeVariant()][ropeIndex]);
                }
            } else {
                Segment s = segments.get(0);
                RopeTable rope = ropes[s.ropeVariant()][ropeIndex];
                rotate(a.q, n, s.firstPos(), hp.headCount(), rope);
                rotate(a.k, n, s.firstPos(), hp.headCountKv(), rope);
                if (config.queryScale() != 1f) {
                    compute.scale(a.q, n * hp.queryLength(), config.queryScale());
                }
                KvCache cache = s.caches()[l];
                cache.reserve(s.firstPos() + n);
                cache.store(a.k, a.v, s.firstPos(), n);
                compute.attention(a.q, cache.keys(), cache.values(), a.attended, n, s.firstPos(),
                        hp.headCount(), hp.headCountKv(), hp.headDim(), attention[l]);
            }
            matmul(layer.attentionOutput(), a.attended, a.projected, n, independent);
            if (layer.postAttentionNorm() != null) {
                compute.rmsNorm(a.projected, layer.postAttentionNorm(), hp.rmsEpsilon(), a.projected, dim, n);
            }
            compute.add(a.x, a.projected, n * dim);
            requireFinite(a.x, segments, dim, "layer " + l + " (blk." + l + " attention)");

            compute.rmsNorm(a.x, layer.feedForwardNorm(), hp.rmsEpsilon(), a.normed, dim, n);
            matmul(layer.gate(), a.normed, a.gate, n, independent);
            matmul(layer.up(), a.normed, a.up, n, independent);
            if (config.activation() == GateActivation.GELU) {
                compute.geluMul(a.gate, a.up, n * hp.feedForwardLength());
            } else {
                compute.siluMul(a.gate, a.up, n * hp.feedForwardLength());
            }
            matmul(layer.down(), a.gate, a.projected, n, independent);
            if (layer.postFeedForwardNorm() != null) {
                compute.rmsNorm(a.projected, layer.postFeedForwardNorm(), hp.rmsEpsilon(), a.projected, dim, n);
            }
            compute.add(a.x, a.projected, n * dim);
            requireFinite(a.x, segments, dim, "layer " + l + " (blk." + l + " feed-forward)");
        }
    }

    /** Output-head logits of {@code rows} normalized rows of {@code in} into {@code out}, soft-capped where the model does. */
    void outputHead(float[] in, float[] out, int rows, boolean independent) {
        matmul(weights.output(), in, out, rows, independent);
        if (config.finalSoftCap() > 0) {
            compute.softCap(out, 0, rows * hp.vocabularySize(), config.finalSoftCap());
        }
    }

    /** A projection of every row, plus its bias if it has one. */
    private void project(Weights w, float[] bias, float[] x, float[] out, int n, boolean independent) {
        matmul(w, x, out, n, independent);
        if (bias != null) {
            compute.addRows(out, bias, w.rows(), n);
        }
    }

    private void matmul(Weights w, float[] x, float[] out, int n, boolean independent) {
        if (independent) {
            compute.matvecEach(w, x, out, n);
        } else {
            compute.matmul(w, x, out, n);
        }
    }

    private void rotate(float[] x, int n, int firstPos, int heads, RopeTable rope) {
        if (config.ropeMode() == RopeMode.NEOX) {
            compute.ropeNeox(x, n, firstPos, heads, hp.headDim(), rope);
        } else {
            compute.rope(x, n, firstPos, heads, hp.headDim(), rope);
        }
    }

    /** RoPE, query scaling, cache store and attention for a one-row segment of a step that several sequences share. */
    private void attendOneRow(Activations a, Segment s, int layer, RopeTable rope) {
        int qLen = hp.queryLength();
        int kvLen = hp.kvLength();
        int r = s.row();
        System.arraycopy(a.q, r * qLen, a.rowQ, 0, qLen);
        System.arraycopy(a.k, r * kvLen, a.rowK, 0, kvLen);
        System.arraycopy(a.v, r * kvLen, a.rowV, 0, kvLen);
        rotate(a.rowQ, 1, s.firstPos(), hp.headCount(), rope);
        rotate(a.rowK, 1, s.firstPos(), hp.headCountKv(), rope);
        if (config.queryScale() != 1f) {
            compute.scale(a.rowQ, qLen, config.queryScale());
        }
        KvCache cache = s.caches()[layer];
        cache.reserve(s.firstPos() + 1);
        cache.store(a.rowK, a.rowV, s.firstPos(), 1);
        compute.attention(a.rowQ, cache.keys(), cache.values(), a.rowAttended, 1, s.firstPos(),
                hp.headCount(), hp.headCountKv(), hp.headDim(), attention[layer]);
        System.arraycopy(a.rowAttended, 0, a.attended, r * qLen, qLen);
    }

    /** Fails on the first NaN/Inf among the segments' rows of {@code values} (rows of {@code width}). */
    static void requireFinite(float[] values, List<Segment> segments, int width, String where) {
        for (Segment s : segments) {
            for (int r = 0; r < s.count(); r++) {
                int base = (s.row() + r) * width;
                for (int i = 0; i < width; i++) {
                    float value = values[base + i];
                    if (!Float.isFinite(value)) {
                        throw new NumericException((Float.isNaN(value) ? "NaN" : "Inf") + " first appeared in " + where
                                + " at position " + (s.firstPos() + r) + " (value index " + i + ")");
                    }
                }
            }
        }
    }
}
