package dev.kiln.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prompt-processing inner kernel for decoded rows with vector lanes over tokens: eight decoded
 * weight rows times two vectors of tokens, sixteen accumulators. Per column: the two token
 * vectors of the transposed activations and eight weight broadcasts, 10 loads for 16 FMAs, and
 * no horizontal sums (the lanes-along-the-row {@link DecodedTile} pays one per row and token).
 * Eight rows measured faster than six (KERNELS.md has the A/B against the 4×4 tile).
 */
final class TokenTile {

    /** Rows per tile. */
    static final int ROWS = 8;

    private final Lanes lanes;

    TokenTile(Lanes lanes) {
        this.lanes = lanes;
    }

    /** Tokens per tile: two vectors. */
    int tokens() {
        return 2 * lanes.floats().length();
    }

    /**
     * The batch's activations transposed for {@link #multiply}: {@code xt[c · padded + t] = x[t · n + c]},
     * {@code padded} = the batch rounded up to {@link #tokens()}, the padding zero.
     */
    float[] transpose(float[] x, int batch, int n, float[] reuse) {
        int padded = padded(batch);
        float[] xt = reuse != null && reuse.length >= padded * n ? reuse : new float[padded * n];
        java.util.Arrays.fill(xt, 0, padded * n, 0f);
        for (int t = 0; t < batch; t++) {
            int xo = t * n;
            for (int c = 0; c < n; c++) {
                xt[c * padded + t] = x[xo + c];
            }
        }
        return xt;
    }

    int padded(int batch) {
        int tt = tokens();
        return (batch + tt - 1) / tt * tt;
    }

    /**
     * {@code out[t · outStride + r0 + r] = w[r] · x[t]} for {@code r < nr ≤ 8} and every real token
     * {@code t < batch}; {@code w} holds the rows {@code n} floats apart (rows {@code nr .. 8}
     * zero), {@code xt} the transposed batch ({@link #transpose}).
     */
    void multiply(float[] w, int nr, float[] xt, int batch, int n, float[] out, int outStride, int r0, float[] lanesOut) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        int padded = padded(batch);
        for (int t0 = 0; t0 < padded; t0 += 2 * step) {
            FloatVector a0 = FloatVector.zero(f);
            FloatVector a1 = FloatVector.zero(f);
            FloatVector a2 = FloatVector.zero(f);
            FloatVector a3 = FloatVector.zero(f);
            FloatVector a4 = FloatVector.zero(f);
            FloatVector a5 = FloatVector.zero(f);
            FloatVector b0 = FloatVector.zero(f);
            FloatVector b1 = FloatVector.zero(f);
            FloatVector b2 = FloatVector.zero(f);
            FloatVector b3 = FloatVector.zero(f);
            FloatVector b4 = FloatVector.zero(f);
            FloatVector b5 = FloatVector.zero(f);
            FloatVector a6 = FloatVector.zero(f);
            FloatVector a7 = FloatVector.zero(f);
            FloatVector b6 = FloatVector.zero(f);
            FloatVector b7 = FloatVector.zero(f);
            for (int c = 0; c < n; c++) {
                FloatVector x0 = FloatVector.fromArray(f, xt, c * padded + t0);
                FloatVector x1 = FloatVector.fromArray(f, xt, c * padded + t0 + step);
                FloatVector v = FloatVector.broadcast(f, w[c]);
                a0 = x0.fma(v, a0);
                b0 = x1.fma(v, b0);
                v = FloatVector.broadcast(f, w[n + c]);
                a1 = x0.fma(v, a1);
                b1 = x1.fma(v, b1);
                v = FloatVector.broadcast(f, w[2 * n + c]);
                a2 = x0.fma(v, a2);
                b2 = x1.fma(v, b2);
                v = FloatVector.broadcast(f, w[3 * n + c]);
                a3 = x0.fma(v, a3);
                b3 = x1.fma(v, b3);
                v = FloatVector.broadcast(f, w[4 * n + c]);
                a4 = x0.fma(v, a4);
                b4 = x1.fma(v, b4);
                v = FloatVector.broadcast(f, w[5 * n + c]);
                a5 = x0.fma(v, a5);
                b5 = x1.fma(v, b5);
                v = FloatVector.broadcast(f, w[6 * n + c]);
                a6 = x0.fma(v, a6);
                b6 = x1.fma(v, b6);
                v = FloatVector.broadcast(f, w[7 * n + c]);
                a7 = x0.fma(v, a7);
                b7 = x1.fma(v, b7);
            }
            // lanes are tokens: write each row's 2·step results out to the token-major output
            a0.intoArray(lanesOut, 0);
            b0.intoArray(lanesOut, step);
            a1.intoArray(lanesOut, 2 * step);
            b1.intoArray(lanesOut, 3 * step);
            a2.intoArray(lanesOut, 4 * step);
            b2.intoArray(lanesOut, 5 * step);
            a3.intoArray(lanesOut, 6 * step);
            b3.intoArray(lanesOut, 7 * step);
            a4.intoArray(lanesOut, 8 * step);
            b4.intoArray(lanesOut, 9 * step);
            a5.intoArray(lanesOut, 10 * step);
            b5.intoArray(lanesOut, 11 * step);
            a6.intoArray(lanesOut, 12 * step);
            b6.intoArray(lanesOut, 13 * step);
            a7.intoArray(lanesOut, 14 * step);
            b7.intoArray(lanesOut, 15 * step);
            int real = Math.min(2 * step, batch - t0);
            for (int r = 0; r < nr; r++) {
                for (int t = 0; t < real; t++) {
                    out[(t0 + t) * outStride + r0 + r] = lanesOut[2 * step * r + t];
                }
            }
        }
    }
}
