package dev.kiln.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prompt-processing inner kernel: up to four decoded weight rows (in a float scratch buffer,
 * so the quant decoding is paid once per batch, not once per token) times up to four tokens.
 * The 4×4 case keeps 16 accumulators in registers and loads 8 vectors per 16 FMAs.
 */
final class DecodedTile {

    private final Lanes lanes;
    private final FloatOps ops;

    DecodedTile(Lanes lanes, FloatOps ops) {
        this.lanes = lanes;
        this.ops = ops;
    }

    /**
     * out[(t0 + t) * outStride + r0 + r] = rows[r] · x[t0 + t] for r < nr, t < nt; rows are
     * {@code n} floats apart in {@code w}, tokens {@code n} apart in {@code x}.
     */
    void multiply(float[] w, int nr, float[] x, int t0, int nt, int n, float[] out, int outStride, int r0) {
        if (nr == 4 && nt == 4) {
            tile4x4(w, x, t0 * n, n, out, t0 * outStride + r0, outStride);
            return;
        }
        for (int t = 0; t < nt; t++) {
            for (int r = 0; r < nr; r++) {
                out[(t0 + t) * outStride + r0 + r] = ops.dot(w, r * n, x, (t0 + t) * n, n);
            }
        }
    }

    private void tile4x4(float[] w, float[] x, int xo, int n, float[] out, int oo, int os) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector c00 = FloatVector.zero(f), c01 = FloatVector.zero(f), c02 = FloatVector.zero(f), c03 = FloatVector.zero(f);
        FloatVector c10 = FloatVector.zero(f), c11 = FloatVector.zero(f), c12 = FloatVector.zero(f), c13 = FloatVector.zero(f);
        FloatVector c20 = FloatVector.zero(f), c21 = FloatVector.zero(f), c22 = FloatVector.zero(f), c23 = FloatVector.zero(f);
        FloatVector c30 = FloatVector.zero(f), c31 = FloatVector.zero(f), c32 = FloatVector.zero(f), c33 = FloatVector.zero(f);
        int i = 0;
        for (; i + step <= n; i += step) {
            FloatVector w0 = FloatVector.fromArray(f, w, i);
            FloatVector w1 = FloatVector.fromArray(f, w, n + i);
            FloatVector w2 = FloatVector.fromArray(f, w, 2 * n + i);
            FloatVector w3 = FloatVector.fromArray(f, w, 3 * n + i);
            FloatVector x0 = FloatVector.fromArray(f, x, xo + i);
            c00 = w0.fma(x0, c00);
            c10 = w1.fma(x0, c10);
            c20 = w2.fma(x0, c20);
            c30 = w3.fma(x0, c30);
            FloatVector x1 = FloatVector.fromArray(f, x, xo + n + i);
            c01 = w0.fma(x1, c01);
            c11 = w1.fma(x1, c11);
            c21 = w2.fma(x1, c21);
            c31 = w3.fma(x1, c31);
            FloatVector x2 = FloatVector.fromArray(f, x, xo + 2 * n + i);
            c02 = w0.fma(x2, c02);
            c12 = w1.fma(x2, c12);
            c22 = w2.fma(x2, c22);
            c32 = w3.fma(x2, c32);
            FloatVector x3 = FloatVector.fromArray(f, x, xo + 3 * n + i);
            c03 = w0.fma(x3, c03);
            c13 = w1.fma(x3, c13);
            c23 = w2.fma(x3, c23);
            c33 = w3.fma(x3, c33);
        }
        float[] s = {
            LaneMath.sum(c00), LaneMath.sum(c10),
            LaneMath.sum(c20), LaneMath.sum(c30),
            LaneMath.sum(c01), LaneMath.sum(c11),
            LaneMath.sum(c21), LaneMath.sum(c31),
            LaneMath.sum(c02), LaneMath.sum(c12),
            LaneMath.sum(c22), LaneMath.sum(c32),
            LaneMath.sum(c03), LaneMath.sum(c13),
            LaneMath.sum(c23), LaneMath.sum(c33)};
        for (; i < n; i++) {
            for (int t = 0; t < 4; t++) {
                float xv = x[xo + t * n + i];
                for (int r = 0; r < 4; r++) {
                    s[4 * t + r] += w[r * n + i] * xv;
                }
            }
        }
        for (int t = 0; t < 4; t++) {
            for (int r = 0; r < 4; r++) {
                out[oo + t * os + r] = s[4 * t + r];
            }
        }
    }
}
