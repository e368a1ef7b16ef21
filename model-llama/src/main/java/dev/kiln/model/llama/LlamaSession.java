package dev.kiln.model.llama;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.model.NumericException;
import dev.kiln.api.model.Session;

/**
 * The Llama forward pass for one sequence. A prompt goes through every matrix product as one
 * batch (split into micro-batches of {@value #MAX_BATCH} tokens to bound memory); decoding is
 * a batch of one. The residual stream is checked for NaN/Inf after every attention and
 * feed-forward block, so a failure names the layer where it first appeared.
 */
final class LlamaSession implements Session {
    static final int MAX_BATCH = 256;
    /** Rows per output-head product when every position's logits are wanted. */
    private static final int LOGITS_BATCH = 32;

    private final LlamaHyperParameters hp;
    private final LlamaWeights weights;
    private final Compute compute;
    private final LlamaModel model;
    private final int contextLength;
    private final KvCache[] caches;
    private final float attentionScale;
    private int position;
    private int capacity;

    // activations for up to `capacity` tokens, row after row
    private float[] x;
    private float[] normed;
    private float[] q;
    private float[] k;
    private float[] v;
    private float[] attended;
    private float[] projected;
    private float[] gate;
    private float[] up;
    private float[] logits;

    LlamaSession(LlamaHyperParameters hp, LlamaWeights weights, Compute compute, LlamaModel model, int contextLength) {
        this.hp = hp;
        this.weights = weights;
        this.compute = compute;
        this.model = model;
        this.contextLength = contextLength;
        this.caches = new KvCache[hp.blockCount()];
        for (int l = 0; l < caches.length; l++) {
            caches[l] = new KvCache(hp.kvLength(), contextLength);
        }
        // as llama.cpp: kq_scale = 1.0f / sqrtf(head_dim)
        this.attentionScale = 1.0f / (float) Math.sqrt(hp.headDim());
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public void rewind(int newPosition) {
        if (newPosition < 0 || newPosition > position) {
            throw new KilnException("cannot rewind to position " + newPosition + ": the session holds 0.." + position);
        }
        position = newPosition;
    }

    @Override
    public float[] forward(int[] tokens, int offset, int count, boolean allLogits) {
        if (tokens == null || offset < 0 || count < 1 || (long) offset + count > tokens.length) {
            throw new KilnException("forward: " + count + " tokens at offset " + offset + " of an array of "
                    + (tokens == null ? "null" : tokens.length));
        }
        if ((long) position + count > contextLength) {
            throw new KilnException("a batch of " + count + " tokens at position " + position
                    + " would pass the context length of " + contextLength + " (" + (contextLength - position)
                    + " positions left)");
        }
        int vocab = hp.vocabularySize();
        for (int i = offset; i < offset + count; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new KilnException("token id " + tokens[i] + " (at index " + i + ") is outside the vocabulary 0.."
                        + (vocab - 1));
            }
        }
        float[] result = new float[(allLogits ? count : 1) * vocab];
        int start = position;
        try {
            for (int done = 0; done < count; done += MAX_BATCH) {
                int n = Math.min(MAX_BATCH, count - done);
                boolean last = done + n == count;
                run(tokens, offset + done, n, allLogits ? result : null, done * vocab);
                if (!allLogits && last) {
                    lastLogits(n, result);
                }
                position += n;
            }
        } catch (RuntimeException | Error e) {
            position = start; // the cache past `start` is unusable; the caller may rewind or retry
            throw e;
        }
        return result;
    }

    /** Runs {@code n} tokens at the current position; with {@code allLogits} non-null, writes their logits there. */
    private void run(int[] tokens, int offset, int n, float[] allLogits, int logitsOffset) {
        reserve(n);
        int dim = hp.embeddingLength();
        int firstPos = position;
        RopeTable rope = model.rope(firstPos + n);

        Weights embedding = weights.tokenEmbedding();
        for (int b = 0; b < n; b++) {
            embedding.type().dequantize(embedding.data(), tokens[offset + b] * embedding.rowBytes(), x, b * dim, dim);
        }
        requireFinite(x, n, dim, firstPos, "the token embedding");

        for (int l = 0; l < weights.layers().length; l++) {
            LlamaLayer layer = weights.layers()[l];
            KvCache cache = caches[l];
            cache.reserve(firstPos + n);

            compute.rmsNorm(x, layer.attentionNorm(), hp.rmsEpsilon(), normed, dim, n);
            compute.matmul(layer.query(), normed, q, n);
            compute.matmul(layer.key(), normed, k, n);
            compute.matmul(layer.value(), normed, v, n);
            compute.rope(q, n, firstPos, hp.headCount(), hp.headDim(), rope);
            compute.rope(k, n, firstPos, hp.headCountKv(), hp.headDim(), rope);
            cache.store(k, v, firstPos, n);
            compute.attention(q, cache.keys(), cache.values(), attended, n, firstPos,
                    hp.headCount(), hp.headCountKv(), hp.headDim(), attentionScale);
            compute.matmul(layer.attentionOutput(), attended, projected, n);
            compute.add(x, projected, n * dim);
            requireFinite(x, n, dim, firstPos, "layer " + l + " (blk." + l + " attention)");

            compute.rmsNorm(x, layer.feedForwardNorm(), hp.rmsEpsilon(), normed, dim, n);
            compute.matmul(layer.gate(), normed, gate, n);
            compute.matmul(layer.up(), normed, up, n);
            compute.siluMul(gate, up, n * hp.feedForwardLength());
            compute.matmul(layer.down(), gate, projected, n);
            compute.add(x, projected, n * dim);
            requireFinite(x, n, dim, firstPos, "layer " + l + " (blk." + l + " feed-forward)");
        }

        if (allLogits != null) {
            // the output head runs over a few rows at a time: rows × vocabulary can be large
            int vocab = hp.vocabularySize();
            compute.rmsNorm(x, weights.outputNorm(), hp.rmsEpsilon(), normed, dim, n);
            for (int r0 = 0; r0 < n; r0 += LOGITS_BATCH) {
                int rows = Math.min(LOGITS_BATCH, n - r0);
                if (logits == null) {
                    logits = new float[LOGITS_BATCH * vocab];
                }
                System.arraycopy(normed, r0 * dim, projected, 0, rows * dim);
                compute.matmul(weights.output(), projected, logits, rows);
                requireFinite(logits, rows, vocab, firstPos + r0, "the output head");
                System.arraycopy(logits, 0, allLogits, logitsOffset + r0 * vocab, rows * vocab);
            }
        }
    }

    /** Logits of the last of the {@code n} tokens just run. */
    private void lastLogits(int n, float[] out) {
        int dim = hp.embeddingLength();
        System.arraycopy(x, (n - 1) * dim, projected, 0, dim);
        compute.rmsNorm(projected, weights.outputNorm(), hp.rmsEpsilon(), normed, dim, 1);
        compute.matmul(weights.output(), normed, out, 1);
        requireFinite(out, 1, hp.vocabularySize(), position + n - 1, "the output head");
    }

    private void reserve(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = n;
        int dim = hp.embeddingLength();
        x = new float[n * dim];
        normed = new float[n * dim];
        projected = new float[n * dim];
        q = new float[n * hp.queryLength()];
        attended = new float[n * hp.queryLength()];
        k = new float[n * hp.kvLength()];
        v = new float[n * hp.kvLength()];
        gate = new float[n * hp.feedForwardLength()];
        up = new float[n * hp.feedForwardLength()];
    }

    private static void requireFinite(float[] a, int rows, int width, int firstPos, String where) {
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            for (int i = 0; i < width; i++) {
                float value = a[base + i];
                if (!Float.isFinite(value)) {
                    throw new NumericException((Float.isNaN(value) ? "NaN" : "Inf") + " first appeared in " + where
                            + " at position " + (firstPos + r) + " (value index " + i + ")");
                }
            }
        }
    }
}
