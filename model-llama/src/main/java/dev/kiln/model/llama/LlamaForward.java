package dev.kiln.model.llama;

import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.model.NumericException;
import java.util.List;

/**
 * The Llama layers over the rows of one step. A step is either one sequence's consecutive
 * tokens (a prompt, or a single decoded token) or one token of each of several sequences
 * (continuous batching). Matrix products see every row at once; RoPE, the KV cache and
 * attention run per sequence. Rows of several sequences go through {@link Compute#matvecEach},
 * so each gets exactly the arithmetic it would get alone.
 */
final class LlamaForward {
    /** The rows {@code [row, row + count)} of a step belong to the sequence with these caches, from {@code firstPos}. */
    record Segment(KvCache[] caches, int firstPos, int count, int row) {
    }

    private final LlamaHyperParameters hp;
    private final LlamaWeights weights;
    private final Compute compute;
    private final LlamaModel model;
    private final float attentionScale;

    LlamaForward(LlamaHyperParameters hp, LlamaWeights weights, Compute compute, LlamaModel model) {
        this.hp = hp;
        this.weights = weights;
        this.compute = compute;
        this.model = model;
        // as llama.cpp: kq_scale = 1.0f / sqrtf(head_dim)
        this.attentionScale = 1.0f / (float) Math.sqrt(hp.headDim());
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
        RopeTable rope = model.rope(lastPos);

        Weights embedding = weights.tokenEmbedding();
        for (int b = 0; b < n; b++) {
            embedding.type().dequantize(embedding.data(), tokens[offset + b] * embedding.rowBytes(), a.x, b * dim, dim);
        }
        requireFinite(a.x, segments, dim, "the token embedding");

        for (int l = 0; l < weights.layers().length; l++) {
            LlamaLayer layer = weights.layers()[l];
            compute.rmsNorm(a.x, layer.attentionNorm(), hp.rmsEpsilon(), a.normed, dim, n);
            matmul(layer.query(), a.normed, a.q, n, independent);
            matmul(layer.key(), a.normed, a.k, n, independent);
            matmul(layer.value(), a.normed, a.v, n, independent);
            if (independent) {
                for (Segment s : segments) {
                    attendOneRow(a, s, l, rope);
                }
            } else {
                Segment s = segments.get(0);
                compute.rope(a.q, n, s.firstPos(), hp.headCount(), hp.headDim(), rope);
                compute.rope(a.k, n, s.firstPos(), hp.headCountKv(), hp.headDim(), rope);
                KvCache cache = s.caches()[l];
                cache.reserve(s.firstPos() + n);
                cache.store(a.k, a.v, s.firstPos(), n);
                compute.attention(a.q, cache.keys(), cache.values(), a.attended, n, s.firstPos(),
                        hp.headCount(), hp.headCountKv(), hp.headDim(), attentionScale);
            }
            matmul(layer.attentionOutput(), a.attended, a.projected, n, independent);
            compute.add(a.x, a.projected, n * dim);
            requireFinite(a.x, segments, dim, "layer " + l + " (blk." + l + " attention)");

            compute.rmsNorm(a.x, layer.feedForwardNorm(), hp.rmsEpsilon(), a.normed, dim, n);
            matmul(layer.gate(), a.normed, a.gate, n, independent);
            matmul(layer.up(), a.normed, a.up, n, independent);
            compute.siluMul(a.gate, a.up, n * hp.feedForwardLength());
            matmul(layer.down(), a.gate, a.projected, n, independent);
            compute.add(a.x, a.projected, n * dim);
            requireFinite(a.x, segments, dim, "layer " + l + " (blk." + l + " feed-forward)");
        }
    }

    /** Output-head logits of {@code rows} normalized rows of {@code in} into {@code out}. */
    void outputHead(float[] in, float[] out, int rows, boolean independent) {
        matmul(weights.output(), in, out, rows, independent);
    }

    private void matmul(Weights w, float[] x, float[] out, int n, boolean independent) {
        if (independent) {
            compute.matvecEach(w, x, out, n);
        } else {
            compute.matmul(w, x, out, n);
        }
    }

    /** RoPE, cache store and attention for a one-row segment of a step that several sequences share. */
    private void attendOneRow(Activations a, Segment s, int layer, RopeTable rope) {
        int qLen = hp.queryLength();
        int kvLen = hp.kvLength();
        int r = s.row();
        System.arraycopy(a.q, r * qLen, a.rowQ, 0, qLen);
        System.arraycopy(a.k, r * kvLen, a.rowK, 0, kvLen);
        System.arraycopy(a.v, r * kvLen, a.rowV, 0, kvLen);
        compute.rope(a.rowQ, 1, s.firstPos(), hp.headCount(), hp.headDim(), rope);
        compute.rope(a.rowK, 1, s.firstPos(), hp.headCountKv(), hp.headDim(), rope);
        KvCache cache = s.caches()[layer];
        cache.reserve(s.firstPos() + 1);
        cache.store(a.rowK, a.rowV, s.firstPos(), 1);
        compute.attention(a.rowQ, cache.keys(), cache.values(), a.rowAttended, 1, s.firstPos(),
                hp.headCount(), hp.headCountKv(), hp.headDim(), attentionScale);
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
