package dev.kiln.backend.scalar;

import dev.kiln.toolkit.compute.GgmlGelu;
import dev.kiln.api.backend.AttentionParameters;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.quant.DotKernel;
import java.lang.foreign.MemorySegment;

/**
 * Plain-Java transformer operations. Rounding points follow ggml's CPU backend where that is
 * cheap to do (float products, sums of squares and softmax denominators in double), so results
 * track llama.cpp's closely; parallelism is over weight rows, batch rows and heads.
 */
final class ScalarCompute implements Compute {

    /** Weight rows dotted against every batch row before moving on, so each row is read once per batch. */
    private static final int ROW_TILE = 16;
    /** Elementwise loops shorter than this per thread run on the caller alone. */
    private static final int MIN_ELEMENTWISE_SHARE = 16_384;

    private final String name;
    private final WorkerPool pool;

    ScalarCompute(String name, int threads) {
        this.name = name;
        this.pool = new WorkerPool(threads);
    }

    @Override
    public String backendName() {
        return name;
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public void matmul(Weights w, float[] x, float[] out, int batch) {
        requireLength("x", x, (long) batch * w.columns());
        requireLength("out", out, (long) batch * w.rows());
        multiply(w.type().kernel(), w, x, out, batch);
    }

    private <A> void multiply(DotKernel<A> kernel, Weights w, float[] x, float[] out, int batch) {
        int rows = w.rows();
        int cols = w.columns();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        @SuppressWarnings("unchecked")
        A[] prepared = (A[]) new Object[batch];
        pool.forRange(batch, (from, to) -> {
            for (int b = from; b < to; b++) {
                prepared[b] = kernel.prepare(x, b * cols, cols);
            }
        });
        int tiles = (rows + ROW_TILE - 1) / ROW_TILE;
        pool.forRange(tiles, (from, to) -> {
            for (int t = from; t < to; t++) {
                int r0 = t * ROW_TILE;
                int count = Math.min(ROW_TILE, rows - r0);
                for (int b = 0; b < batch; b++) {
                    kernel.dotRows(data, r0 * rowBytes, rowBytes, count, prepared[b], cols, out, b * rows + r0);
                }
            }
        });
    }

    @Override
    public void rmsNorm(float[] x, float[] weight, float eps, float[] out, int n, int batch) {
        requireLength("x", x, (long) n * batch);
        requireLength("out", out, (long) n * batch);
        requireLength("weight", weight, n);
        pool.forRange(batch, Math.max(1, MIN_ELEMENTWISE_SHARE / Math.max(1, n)), (from, to) -> {
            for (int b = from; b < to; b++) {
                int base = b * n;
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    float v = x[base + i];
                    sum += v * v;
                }
                float mean = (float) (sum / n);
                float scale = 1.0f / (float) Math.sqrt(mean + eps);
                for (int i = 0; i < n; i++) {
                    out[base + i] = x[base + i] * scale * weight[i];
                }
            }
        });
    }

    @Override
    public void rope(float[] x, int batch, int firstPos, int heads, int headDim, RopeTable table) {
        rotate(x, batch, firstPos, heads, headDim, table, false);
    }

    @Override
    public void ropeNeox(float[] x, int batch, int firstPos, int heads, int headDim, RopeTable table) {
        rotate(x, batch, firstPos, heads, headDim, table, true);
    }

    /** Rotates pair {@code i} of each head: values (2i, 2i+1), or (i, i + pairs) in NEOX mode. */
    private void rotate(float[] x, int batch, int firstPos, int heads, int headDim, RopeTable table, boolean neox) {
        int pairs = table.pairs();
        if (2 * pairs > headDim) {
            throw new IllegalArgumentException("rope table has " + pairs + " pairs, head has only " + headDim + " values");
        }
        if (firstPos < 0 || firstPos + batch > table.positions()) {
            throw new IllegalArgumentException("positions " + firstPos + ".." + (firstPos + batch - 1)
                    + " outside the rope table's " + table.positions());
        }
        requireLength("x", x, (long) batch * heads * headDim);
        float[] cos = table.cos();
        float[] sin = table.sin();
        int rowLen = heads * headDim;
        int stride = neox ? 1 : 2;
        int partner = neox ? pairs : 1;
        pool.forRange(batch * heads, Math.max(1, MIN_ELEMENTWISE_SHARE / Math.max(1, headDim)), (from, to) -> {
            for (int task = from; task < to; task++) {
                int b = task / heads;
                int base = b * rowLen + (task % heads) * headDim;
                int angles = (firstPos + b) * pairs;
                for (int i = 0; i < pairs; i++) {
                    float c = cos[angles + i];
                    float s = sin[angles + i];
                    int i0 = base + stride * i;
                    float x0 = x[i0];
                    float x1 = x[i0 + partner];
                    x[i0] = x0 * c - x1 * s;
                    x[i0 + partner] = x0 * s + x1 * c;
                }
            }
        });
    }

    @Override
    public void attention(float[] q, float[] keyCache, float[] valueCache, float[] out, int batch, int firstPos,
                          int heads, int kvHeads, int headDim, AttentionParameters parameters) {
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads + " KV heads");
        }
        int rowLen = heads * headDim;
        int kvLen = kvHeads * headDim;
        int positions = firstPos + batch;
        requireLength("q", q, (long) batch * rowLen);
        requireLength("out", out, (long) batch * rowLen);
        requireLength("keyCache", keyCache, (long) positions * kvLen);
        requireLength("valueCache", valueCache, (long) positions * kvLen);
        int group = heads / kvHeads;
        float scale = parameters.scale();
        float cap = parameters.softCap();
        float inverseCap = cap > 0 ? 1.0f / cap : 0f;
        pool.forRange(batch * heads, (from, to) -> {
            float[] scores = new float[positions];
            float[] query = new float[headDim];
            for (int task = from; task < to; task++) {
                int b = task / heads;
                int h = task % heads;
                int last = firstPos + b;
                int first = parameters.firstVisible(last);
                int qBase = b * rowLen + h * headDim;
                int kvBase = (h / group) * headDim;
                // ggml multiplies by the F16 K cache in F16: q is rounded first (see Compute.attention)
                for (int d = 0; d < headDim; d++) {
                    query[d] = toHalfAndBack(q[qBase + d]);
                }
                for (int t = first; t <= last; t++) {
                    int kBase = t * kvLen + kvBase;
                    float dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += query[d] * keyCache[kBase + d];
                    }
                    if (cap > 0) {
                        dot = cap * (float) Math.tanh(dot * inverseCap);
                    }
                    scores[t] = dot * scale;
                }
                softmax(scores, first, last + 1 - first);
                for (int d = 0; d < headDim; d++) {
                    out[qBase + d] = 0;
                }
                for (int t = first; t <= last; t++) {
                    // ...and the probabilities are rounded to F16 before they weight the F16 V cache
                    float p = toHalfAndBack(scores[t]);
                    int vBase = t * kvLen + kvBase;
                    for (int d = 0; d < headDim; d++) {
                        out[qBase + d] += p * valueCache[vBase + d];
                    }
                }
            }
        });
    }

    private static float toHalfAndBack(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    @Override
    public void siluMul(float[] gate, float[] up, int n) {
        requireLength("gate", gate, n);
        requireLength("up", up, n);
        pool.forRange(n, MIN_ELEMENTWISE_SHARE, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = gate[i];
                gate[i] = g / (1.0f + (float) Math.exp(-g)) * up[i];
            }
        });
    }

    @Override
    public void geluMul(float[] gate, float[] up, int n) {
        requireLength("gate", gate, n);
        requireLength("up", up, n);
        pool.forRange(n, MIN_ELEMENTWISE_SHARE, (from, to) -> {
            for (int i = from; i < to; i++) {
                gate[i] = GgmlGelu.apply(gate[i]) * up[i];
            }
        });
    }

    @Override
    public void addRows(float[] x, float[] bias, int n, int batch) {
        requireLength("x", x, (long) n * batch);
        requireLength("bias", bias, n);
        pool.forRange(batch, Math.max(1, MIN_ELEMENTWISE_SHARE / Math.max(1, n)), (from, to) -> {
            for (int b = from; b < to; b++) {
                int base = b * n;
                for (int i = 0; i < n; i++) {
                    x[base + i] += bias[i];
                }
            }
        });
    }

    @Override
    public void scale(float[] x, int n, float factor) {
        requireLength("x", x, n);
        pool.forRange(n, MIN_ELEMENTWISE_SHARE, (from, to) -> {
            for (int i = from; i < to; i++) {
                x[i] *= factor;
            }
        });
    }

    @Override
    public void softCap(float[] x, int offset, int n, float cap) {
        if (offset < 0 || n < 0 || (long) offset + n > x.length) {
            throw new IllegalArgumentException("softCap range " + offset + "+" + n + " outside an array of " + x.length);
        }
        if (!(cap > 0) || !Float.isFinite(cap)) {
            throw new IllegalArgumentException("soft cap is " + cap + ", must be positive");
        }
        float inverse = 1.0f / cap;
        pool.forRange(n, MIN_ELEMENTWISE_SHARE, (from, to) -> {
            for (int i = offset + from; i < offset + to; i++) {
                x[i] = cap * (float) Math.tanh(x[i] * inverse);
            }
        });
    }

    @Override
    public void add(float[] acc, float[] x, int n) {
        requireLength("acc", acc, n);
        requireLength("x", x, n);
        pool.forRange(n, MIN_ELEMENTWISE_SHARE, (from, to) -> {
            for (int i = from; i < to; i++) {
                acc[i] += x[i];
            }
        });
    }

    @Override
    public void softmax(float[] x, int offset, int n) {
        if (offset < 0 || n < 0 || (long) offset + n > x.length) {
            throw new IllegalArgumentException("softmax range " + offset + "+" + n + " outside an array of " + x.length);
        }
        if (n == 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = offset; i < offset + n; i++) {
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        for (int i = offset; i < offset + n; i++) {
            float e = (float) Math.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = offset; i < offset + n; i++) {
            x[i] *= inv;
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    private static void requireLength(String what, float[] a, long needed) {
        if (a.length < needed) {
            throw new IllegalArgumentException(what + " has " + a.length + " values, needs " + needed);
        }
    }
}
