package dev.kiln.toolkit.quant;

/**
 * The extremes ggml's reference quantizers start a block from, with ggml's comparisons (so a NaN
 * is passed over, and a tie keeps the first value).
 */
public final class BlockExtremes {
    private BlockExtremes() {
    }

    /**
     * The value of largest magnitude among {@code x[from .. from + n)}, sign kept, the first one
     * on a tie; 0 if all are 0 (ggml's {@code amax}/{@code max} loop of Q4_0, Q5_0, Q8_K, IQ4_NL).
     */
    public static float signedMax(float[] x, int from, int n) {
        float amax = 0;
        float max = 0;
        for (int j = from; j < from + n; j++) {
            float a = Math.abs(x[j]);
            if (a > amax) {
                amax = a;
                max = x[j];
            }
        }
        return max;
    }

    /** The smallest of {@code x[from .. from + n)} ({@code Float.MAX_VALUE} if none is smaller: ggml's Q4_1/Q5_1 loop). */
    public static float min(float[] x, int from, int n) {
        float min = Float.MAX_VALUE;
        for (int j = from; j < from + n; j++) {
            if (x[j] < min) {
                min = x[j];
            }
        }
        return min;
    }

    /** The largest of {@code x[from .. from + n)} ({@code -Float.MAX_VALUE} if none is larger). */
    public static float max(float[] x, int from, int n) {
        float max = -Float.MAX_VALUE;
        for (int j = from; j < from + n; j++) {
            if (x[j] > max) {
                max = x[j];
            }
        }
        return max;
    }
}
