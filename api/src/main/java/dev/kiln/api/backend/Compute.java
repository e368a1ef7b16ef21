package dev.kiln.api.backend;

import dev.kiln.api.format.ModelFile;

/**
 * The operations a transformer forward pass needs, on one backend, with its own worker threads.
 * Activations are {@code float[]}; a batch of {@code batch} vectors of length {@code n} is stored
 * row after row. Every method is called from one thread at a time and may use the pool inside.
 *
 * <p>Row independence: apart from {@link #matmul}'s batches, every operation gives each row (and
 * each element of an element-wise operation) the same value whatever the batch size, the row's
 * place in the batch or {@code n}'s split into parallel parts; continuous batching relies on it.
 */
public interface Compute extends AutoCloseable {

    /** The backend's name. */
    String backendName();

    /** Number of worker threads. */
    int threads();

    /**
     * Tells the backend that the {@link Weights} it will be given are slices of {@code file}'s
     * tensors ({@link ModelFile#data}), before the first matmul on them, so that what it derives
     * from them (a repacked layout) may be kept across runs, keyed by the file. The default does
     * nothing; the weights work the same either way.
     */
    default void attach(ModelFile file) {
    }

    /**
     * Matrix × batch of vectors: {@code out[b * w.rows() + r] = Σ_c W[r][c] · x[b * w.columns() + c]}
     * for every {@code b < batch}. Implementations read each weight block once per batch.
     */
    void matmul(Weights w, float[] x, float[] out, int batch);

    /**
     * Matrix × {@code count} independent vectors (the next token of several sequences): the same
     * shapes as {@link #matmul}, but each output row {@code b} is exactly what
     * {@code matmul(w, x_b, out_b, 1)} gives for that vector alone, so decoding sequences together
     * never changes any of them ({@code matmul} may round a batch differently from a single vector).
     * The default runs one product per vector; a backend shares each pass over the weights among
     * the vectors where it can keep that guarantee.
     */
    default void matvecEach(Weights w, float[] x, float[] out, int count) {
        int cols = w.columns();
        int rows = w.rows();
        if (count == 1) {
            matmul(w, x, out, 1);
            return;
        }
        float[] one = new float[cols];
        float[] result = new float[rows];
        for (int b = 0; b < count; b++) {
            System.arraycopy(x, b * cols, one, 0, cols);
            matmul(w, one, result, 1);
            System.arraycopy(result, 0, out, b * rows, rows);
        }
    }

    /**
     * RMS normalization of each of {@code batch} rows of length {@code n}: {@code out = x / rms(x) * weight}.
     * {@code out} may be {@code x}. Rows of one head each normalize per head (Qwen3's and Gemma 3's
     * q/k norms: {@code n = headDim}, {@code batch = tokens × heads}).
     */
    void rmsNorm(float[] x, float[] weight, float eps, float[] out, int n, int batch);

    /**
     * Rotary embedding applied in place to {@code batch} rows of {@code heads × headDim} values, row
     * {@code b} at position {@code firstPos + b}. Rotates adjacent pairs {@code (2i, 2i+1)} for
     * {@code i < table.pairs()} in each head (llama.cpp's "normal" RoPE mode), leaving the rest.
     */
    void rope(float[] x, int batch, int firstPos, int heads, int headDim, RopeTable table);

    /**
     * Causal grouped-query attention for {@code batch} query rows at positions
     * {@code firstPos .. firstPos + batch - 1}. {@code q} is {@code [batch][heads × headDim]};
     * the caches are {@code [position][kvHeads × headDim]} and already hold every position up to
     * the last query's; query head {@code h} uses KV head {@code h / (heads / kvHeads)}. Writes
     * {@code out[batch][heads × headDim]} = softmax(q·kᵀ·scale) · v.
     *
     * <p>Rounding, so that every backend reproduces llama.cpp's logits: the model keeps the caches
     * in values representable in IEEE half precision (llama.cpp's default F16 KV cache), and, as
     * ggml does when it multiplies by F16 caches, implementations round each {@code q} value to
     * half precision before {@code q·k} and each softmax probability to half precision before it
     * weights {@code v} ({@code Float.float16ToFloat(Float.floatToFloat16(x))}, nearest even).
     * Scores and the softmax are computed in float.
     */
    default void attention(float[] q, float[] keyCache, float[] valueCache, float[] out, int batch, int firstPos,
                           int heads, int kvHeads, int headDim, float scale) {
        attention(q, keyCache, valueCache, out, batch, firstPos, heads, kvHeads, headDim, AttentionParameters.scaled(scale));
    }

    /**
     * {@link #attention(float[], float[], float[], float[], int, int, int, int, int, float)} with
     * soft-capped scores and a sliding window (Gemma 2/3, Phi-3, Mistral). Query row {@code b}
     * (position {@code p = firstPos + b}) attends the positions {@code t <= p} with
     * {@code p - t < window} (all of them when the window is 0); its score for {@code t} is
     * {@code scale · cap · tanh(q·k_t · (1/cap))} with the soft cap (llama.cpp's
     * {@code attn_logit_softcapping}; {@code 1/cap} rounded to float first, as ggml scales by it),
     * or {@code scale · q·k_t} without one. Rounding as the other form specifies.
     */
    void attention(float[] q, float[] keyCache, float[] valueCache, float[] out, int batch, int firstPos,
                   int heads, int kvHeads, int headDim, AttentionParameters parameters);

    /**
     * Rotary embedding in llama.cpp's NEOX mode (Qwen, Gemma, Phi-3, GPT-NeoX): like {@link #rope},
     * but pair {@code i} of a head is the values {@code (i, i + table.pairs())}, the two halves of
     * the rotated part, instead of {@code (2i, 2i+1)}. Values past {@code 2 · table.pairs()} stay.
     */
    void ropeNeox(float[] x, int batch, int firstPos, int heads, int headDim, RopeTable table);

    /** SwiGLU gate in place: {@code gate[i] = silu(gate[i]) * up[i]} for {@code i < n}. */
    void siluMul(float[] gate, float[] up, int n);

    /**
     * GeGLU gate in place (Gemma): {@code gate[i] = gelu(gate[i]) * up[i]} for {@code i < n}, with
     * GELU's tanh approximation {@code 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))} computed as ggml's
     * CPU backend does: {@code x} rounded to half precision, GELU of that in float rounded to half
     * precision (ggml's lookup table), 0 for {@code x <= -10} and {@code x} itself for {@code x >= 10}.
     */
    void geluMul(float[] gate, float[] up, int n);

    /** Bias of each of {@code batch} rows of length {@code n}: {@code x[b * n + i] += bias[i]}. */
    void addRows(float[] x, float[] bias, int n, int batch);

    /** {@code x[i] *= factor} for {@code i < n} (Gemma's embedding scaling, a query pre-scaling). */
    void scale(float[] x, int n, float factor);

    /**
     * Soft-capping in place over {@code x[offset .. offset + n)}:
     * {@code x[i] = cap · tanh(x[i] · (1/cap))}, {@code 1/cap} rounded to float (Gemma 2's final
     * logit soft-capping, three ggml ops: scale, tanh, scale).
     */
    void softCap(float[] x, int offset, int n, float cap);

    /** {@code acc[i] += x[i]} for {@code i < n}. */
    void add(float[] acc, float[] x, int n);

    /** Softmax in place over {@code x[offset .. offset + n)}. */
    void softmax(float[] x, int offset, int n);

    /** Stops the worker threads. */
    @Override
    void close();
}
