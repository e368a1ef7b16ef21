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

    /** RMS normalization of each of {@code batch} rows of length {@code n}: {@code out = x / rms(x) * weight}. */
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
    void attention(float[] q, float[] keyCache, float[] valueCache, float[] out, int batch, int firstPos,
                   int heads, int kvHeads, int headDim, float scale);

    /** SwiGLU gate in place: {@code gate[i] = silu(gate[i]) * up[i]} for {@code i < n}. */
    void siluMul(float[] gate, float[] up, int n);

    /** {@code acc[i] += x[i]} for {@code i < n}. */
    void add(float[] acc, float[] x, int n);

    /** Softmax in place over {@code x[offset .. offset + n)}. */
    void softmax(float[] x, int offset, int n);

    /** Stops the worker threads. */
    @Override
    void close();
}
