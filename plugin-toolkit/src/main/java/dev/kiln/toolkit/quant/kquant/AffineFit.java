package dev.kiln.toolkit.quant.kquant;

import dev.kiln.toolkit.quant.NearestInt;

/**
 * ggml's {@code make_qkx2_quants}: fits {@code n} values with levels in {@code [0, nmax]}, a
 * scale and a non-positive offset ({@code x ≈ scale·level + offset}) by a weighted least-squares
 * search over {@code nstep + 1} candidate inverse scales, {@code (nmax + rmin + rdelta·k) / (max − min)}.
 * The error is weighted squares, or weighted absolute values when {@code absoluteError} (ggml's
 * {@code use_mad}). Float arithmetic in ggml's order of operations, so the K-quant quantizers built
 * on it (Q2_K, Q4_K, Q5_K) are byte-identical to ggml's.
 *
 * <p>Holds scratch buffers and the last offset: one instance per thread.
 */
public final class AffineFit {
    private final int n;
    private final int nmax;
    private final float rmin;
    private final float rdelta;
    private final int nstep;
    private final boolean absoluteError;
    private final int[] trial;
    private float min;

    /**
     * @param n values per fit (16 or 32 in the K-quants)
     * @param nmax the largest level
     * @param rmin the first candidate's offset from {@code nmax}
     * @param rdelta the step between candidates
     * @param nstep the number of steps (candidates: {@code nstep + 1})
     * @param absoluteError weigh absolute errors instead of squared ones
     */
    public AffineFit(int n, int nmax, float rmin, float rdelta, int nstep, boolean absoluteError) {
        this.n = n;
        this.nmax = nmax;
        this.rmin = rmin;
        this.rdelta = rdelta;
        this.nstep = nstep;
        this.absoluteError = absoluteError;
        this.trial = new int[n];
    }

    /**
     * Fits {@code x[xo .. xo + n)} with {@code weights[0 .. n)}: stores the levels in
     * {@code levels[lo .. lo + n)} and returns the scale; {@link #min()} then gives the negated offset.
     */
    public float fit(float[] x, int xo, float[] weights, int[] levels, int lo) {
        float lowest = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            if (v < lowest) {
                lowest = v;
            }
            if (v > max) {
                max = v;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (lowest > 0) {
            lowest = 0;
        }
        if (max == lowest) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            min = -lowest;
            return 0f;
        }
        // ggml reuses this variable: a better candidate's offset moves the next candidates' range
        float offset = lowest;
        float iscale = nmax / (max - offset);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, NearestInt.of(iscale * (x[xo + i] - offset))));
            levels[lo + i] = l;
            bestError += weights[i] * error(scale * l + offset - x[xo + i]);
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - offset);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, NearestInt.of(iscale * (x[xo + i] - offset))));
                trial[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float err = 0;
                for (int i = 0; i < n; i++) {
                    err += weights[i] * error(thisScale * trial[i] + thisMin - x[xo + i]);
                }
                if (err < bestError) {
                    System.arraycopy(trial, 0, levels, lo, n);
                    bestError = err;
                    scale = thisScale;
                    offset = thisMin;
                }
            }
        }
        min = -offset;
        return scale;
    }

    /** The negated offset of the last {@link #fit} (≥ 0): the value that level 0 stands for is {@code -min()}. */
    public float min() {
        return min;
    }

    private float error(float diff) {
        return absoluteError ? Math.abs(diff) : diff * diff;
    }
}
