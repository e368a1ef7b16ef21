package dev.kiln.backend.vector;

import dev.kiln.toolkit.compute.GgmlGelu;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise and reduction kernels on float rows, one row per call. */
final class FloatOps {

    private final Lanes lanes;
    private final VectorShuffle<Float> swapPairs;

    FloatOps(Lanes lanes) {
        this.lanes = lanes;
        this.swapPairs = VectorShuffle.fromOp(lanes.floats(), i -> i ^ 1);
    }

    float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector a0 = FloatVector.zero(f);
        FloatVector a1 = FloatVector.zero(f);
        int i = 0;
        for (; i + 2 * step <= n; i += 2 * step) {
            a0 = FloatVector.fromArray(f, a, aOffset + i).fma(FloatVector.fromArray(f, b, bOffset + i), a0);
            a1 = FloatVector.fromArray(f, a, aOffset + i + step).fma(FloatVector.fromArray(f, b, bOffset + i + step), a1);
        }
        for (; i + step <= n; i += step) {
            a0 = FloatVector.fromArray(f, a, aOffset + i).fma(FloatVector.fromArray(f, b, bOffset + i), a0);
        }
        float sum = LaneMath.sum(a0.add(a1));
        for (; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /** {@code acc[accOffset + i] += a · v[vOffset + i]}. */
    void axpy(float[] acc, int accOffset, float a, float[] v, int vOffset, int n) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector av = FloatVector.broadcast(f, a);
        int i = 0;
        for (; i + step <= n; i += step) {
            FloatVector.fromArray(f, v, vOffset + i).fma(av, FloatVector.fromArray(f, acc, accOffset + i))
                    .intoArray(acc, accOffset + i);
        }
        for (; i < n; i++) {
            acc[accOffset + i] += a * v[vOffset + i];
        }
    }

    /**
     * RMS norm of one row as ggml computes it: the squares rounded to float and summed in double
     * in order, the mean and {@code 1/sqrt(mean + eps)} in float, then {@code x · scale · weight}.
     * The sum stays scalar: float lanes sum differently, and a last-bit difference in the scale
     * decides ties when the next product rounds these activations to Q8_0 blocks (rows of a
     * Q4_0 token embedding are multiples of one step, and a quarter of them fall exactly
     * half-way between two Q8_0 steps).
     */
    void rmsNorm(float[] x, int offset, float[] weight, float eps, float[] out, int n) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[offset + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        FloatVector sv = FloatVector.broadcast(f, scale);
        int i = 0;
        for (; i + step <= n; i += step) {
            FloatVector.fromArray(f, x, offset + i).mul(sv).mul(FloatVector.fromArray(f, weight, i))
                    .intoArray(out, offset + i);
        }
        for (; i < n; i++) {
            out[offset + i] = x[offset + i] * scale * weight[i];
        }
    }

    void softmax(float[] x, int offset, int n) {
        if (n <= 0) {
            return;
        }
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector mv = FloatVector.broadcast(f, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + step <= n; i += step) {
            mv = mv.max(FloatVector.fromArray(f, x, offset + i));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        FloatVector maxv = FloatVector.broadcast(f, max);
        FloatVector sv = FloatVector.zero(f);
        i = 0;
        for (; i + step <= n; i += step) {
            FloatVector e = LaneMath.exp(FloatVector.fromArray(f, x, offset + i).sub(maxv));
            e.intoArray(x, offset + i);
            sv = sv.add(e);
        }
        float sum = LaneMath.sum(sv);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[offset + i] - max);
            x[offset + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        FloatVector iv = FloatVector.broadcast(f, inv);
        i = 0;
        for (; i + step <= n; i += step) {
            FloatVector.fromArray(f, x, offset + i).mul(iv).intoArray(x, offset + i);
        }
        for (; i < n; i++) {
            x[offset + i] *= inv;
        }
    }

    /** gate = silu(gate) · up = gate / (1 + e^-gate) · up. */
    void siluMul(float[] gate, float[] up, int from, int to) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector one = FloatVector.broadcast(f, 1f);
        int i = from;
        for (; i + step <= to; i += step) {
            FloatVector g = FloatVector.fromArray(f, gate, i);
            FloatVector e = LaneMath.exp(g.neg());
            g.div(one.add(e)).mul(FloatVector.fromArray(f, up, i)).intoArray(gate, i);
        }
        if (i < to) {
            // the tail through the same vector arithmetic, masked: an element's value must not depend
            // on where a split into rows or parallel parts puts it (Compute's row independence)
            VectorMask<Float> m = f.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(f, gate, i, m);
            FloatVector e = LaneMath.exp(g.neg());
            g.div(one.add(e)).mul(FloatVector.fromArray(f, up, i, m)).intoArray(gate, i, m);
        }
    }

    /** gate = gelu(gate) · up with ggml's half-precision GELU table (see {@link GgmlGelu}). */
    void geluMul(float[] gate, float[] up, int from, int to) {
        for (int i = from; i < to; i++) {
            gate[i] = GgmlGelu.apply(gate[i]) * up[i];
        }
    }

    /** x[i] *= factor over [from, to). */
    void scale(float[] x, float factor, int from, int to) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector fv = FloatVector.broadcast(f, factor);
        int i = from;
        for (; i + step <= to; i += step) {
            FloatVector.fromArray(f, x, i).mul(fv).intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] *= factor;
        }
    }

    /**
     * x[i] = cap · tanh(x[i] · inverse) over [from, to), every element through the same vector
     * arithmetic (a masked tail): a value must not depend on where a split puts it.
     */
    void softCap(float[] x, float cap, float inverse, int from, int to) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector cv = FloatVector.broadcast(f, cap);
        FloatVector iv = FloatVector.broadcast(f, inverse);
        for (int i = from; i < to; i += step) {
            VectorMask<Float> m = f.indexInRange(i, to);
            LaneMath.tanh(FloatVector.fromArray(f, x, i, m).mul(iv)).mul(cv).intoArray(x, i, m);
        }
    }

    /** x[offset + i] += bias[i] for i < n. */
    void addRow(float[] x, int offset, float[] bias, int n) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        int i = 0;
        for (; i + step <= n; i += step) {
            FloatVector.fromArray(f, x, offset + i).add(FloatVector.fromArray(f, bias, i)).intoArray(x, offset + i);
        }
        for (; i < n; i++) {
            x[offset + i] += bias[i];
        }
    }

    void add(float[] acc, float[] x, int from, int to) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        int i = from;
        for (; i + step <= to; i += step) {
            FloatVector.fromArray(f, acc, i).add(FloatVector.fromArray(f, x, i)).intoArray(acc, i);
        }
        for (; i < to; i++) {
            acc[i] += x[i];
        }
    }

    /**
     * Rotates pairs (2i, 2i+1), i < pairs, of each of {@code heads} heads of one row in place:
     * x' = x·cos + swap(x)·(−sin, +sin), with cos/sin already spread over both lanes of each pair.
     */
    void rope(float[] x, int offset, int heads, int headDim, float[] cos2, float[] sin2, int rotated) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            int j = 0;
            for (; j + step <= rotated; j += step) {
                FloatVector v = FloatVector.fromArray(f, x, base + j);
                FloatVector swapped = v.rearrange(swapPairs);
                swapped.fma(FloatVector.fromArray(f, sin2, j), v.mul(FloatVector.fromArray(f, cos2, j)))
                        .intoArray(x, base + j);
            }
            for (; j < rotated; j += 2) {
                float c = cos2[j];
                float s = sin2[j + 1];
                float x0 = x[base + j];
                float x1 = x[base + j + 1];
                x[base + j] = x0 * c - x1 * s;
                x[base + j + 1] = x0 * s + x1 * c;
            }
        }
    }
    /**
     * Rotates pairs (i, i + pairs), i < pairs, of each of {@code heads} heads of one row in place
     * (NEOX mode): the first half times cos minus the second half times sin, and so on, with the
     * angles of one position ({@code cos[angles + i]}, {@code sin[angles + i]}).
     */
    void ropeNeox(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin, int angles, int pairs) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            int i = 0;
            for (; i + step <= pairs; i += step) {
                FloatVector x0 = FloatVector.fromArray(f, x, base + i);
                FloatVector x1 = FloatVector.fromArray(f, x, base + pairs + i);
                FloatVector c = FloatVector.fromArray(f, cos, angles + i);
                FloatVector s = FloatVector.fromArray(f, sin, angles + i);
                x0.mul(c).sub(x1.mul(s)).intoArray(x, base + i);
                x0.mul(s).add(x1.mul(c)).intoArray(x, base + pairs + i);
            }
            for (; i < pairs; i++) {
                float c = cos[angles + i];
                float s = sin[angles + i];
                float x0 = x[base + i];
                float x1 = x[base + pairs + i];
                x[base + i] = x0 * c - x1 * s;
                x[base + pairs + i] = x0 * s + x1 * c;
            }
        }
    }
}
