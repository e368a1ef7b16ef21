package dev.kiln.quant.q4_k;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import java.lang.foreign.MemorySegment;

/**
 * Plain-Java Q4_K × Q8_K dot product with llama.cpp's numerics: activations are quantized to
 * Q8_K, products are summed exactly in integers, and the float accumulation follows ggml's
 * generic {@code ggml_vec_dot_q4_K_q8_K} (eight lanes by position mod 8, summed at the end).
 */
final class Q4KKernel extends BlockDotKernel<Q8KActivations> {

    Q4KKernel() {
        super(GgmlType.Q4_K);
    }

    @Override
    protected Q8KActivations prepareChecked(float[] x, int offset, int count) {
        return Q8KActivations.of(x, offset, count);
    }

    @Override
    protected int preparedCount(Q8KActivations x) {
        return x.count();
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8KActivations x, int blocks) {
        // ggml's eight int32 lanes (position mod 8) and their float sums, kept in locals: the
        // lane of a value is its byte index within each 8-byte word of nibbles.
        float f0 = 0, f1 = 0, f2 = 0, f3 = 0, f4 = 0, f5 = 0, f6 = 0, f7 = 0;
        float sumf = 0;
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q4KLayout.BYTES;
            // get_scale_min_k4, inlined: the 12 scale bytes read as three little-endian words
            int s0 = weights.get(Q4KLayout.U32, block + Q4KLayout.SCALES);
            int s4 = weights.get(Q4KLayout.U32, block + Q4KLayout.SCALES + 4);
            int s8 = weights.get(Q4KLayout.U32, block + Q4KLayout.SCALES + 8);
            int minSum = 0;
            int xb = i * 16;
            int l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
            int qo = i * Q4KLayout.BLOCK;
            for (int g = 0; g < 4; g++) {
                int scLo = subScale(s0, s4, s8, 2 * g);
                int scHi = subScale(s0, s4, s8, 2 * g + 1);
                int mLo = subMin(s0, s4, s8, 2 * g);
                int mHi = subMin(s0, s4, s8, 2 * g + 1);
                minSum += (x.blockSum(xb + 4 * g) + x.blockSum(xb + 4 * g + 1)) * mLo
                        + (x.blockSum(xb + 4 * g + 2) + x.blockSum(xb + 4 * g + 3)) * mHi;
                long q = block + Q4KLayout.QS + 32L * g;
                int a = qo + 64 * g;
                for (int k = 0; k < 4; k++) {
                    long v = weights.get(Q4KLayout.U64, q + 8L * k);
                    long xl = x.word(a + 8 * k);      // activations for the low nibbles
                    long xh = x.word(a + 32 + 8 * k); // and for the high nibbles, 32 values on
                    l0 += scLo * ((int) ((v >>> 0) & 0xF) * (byte) (xl >>> 0)) + scHi * ((int) ((v >>> 4) & 0xF) * (byte) (xh >>> 0));
                    l1 += scLo * ((int) ((v >>> 8) & 0xF) * (byte) (xl >>> 8)) + scHi * ((int) ((v >>> 12) & 0xF) * (byte) (xh >>> 8));
                    l2 += scLo * ((int) ((v >>> 16) & 0xF) * (byte) (xl >>> 16)) + scHi * ((int) ((v >>> 20) & 0xF) * (byte) (xh >>> 16));
                    l3 += scLo * ((int) ((v >>> 24) & 0xF) * (byte) (xl >>> 24)) + scHi * ((int) ((v >>> 28) & 0xF) * (byte) (xh >>> 24));
                    l4 += scLo * ((int) ((v >>> 32) & 0xF) * (byte) (xl >>> 32)) + scHi * ((int) ((v >>> 36) & 0xF) * (byte) (xh >>> 32));
                    l5 += scLo * ((int) ((v >>> 40) & 0xF) * (byte) (xl >>> 40)) + scHi * ((int) ((v >>> 44) & 0xF) * (byte) (xh >>> 40));
                    l6 += scLo * ((int) ((v >>> 48) & 0xF) * (byte) (xl >>> 48)) + scHi * ((int) ((v >>> 52) & 0xF) * (byte) (xh >>> 48));
                    l7 += scLo * ((int) ((v >>> 56) & 0xF) * (byte) (xl >>> 56)) + scHi * ((int) ((v >>> 60) & 0xF) * (byte) (xh >>> 56));
                }
            }
            float d = Q4KLayout.d(weights, block) * x.scale(i);
            f0 += d * l0;
            f1 += d * l1;
            f2 += d * l2;
            f3 += d * l3;
            f4 += d * l4;
            f5 += d * l5;
            f6 += d * l6;
            f7 += d * l7;
            float dmin = Q4KLayout.dmin(weights, block) * x.scale(i);
            sumf -= dmin * minSum;
        }
        sumf += f0;
        sumf += f1;
        sumf += f2;
        sumf += f3;
        sumf += f4;
        sumf += f5;
        sumf += f6;
        sumf += f7;
        return sumf;
    }

    private static int subScale(int s0, int s4, int s8, int j) {
        if (j < 4) {
            return (s0 >>> (8 * j)) & 63;
        }
        int k = j - 4;
        return ((s8 >>> (8 * k)) & 0xF) | (((s0 >>> (8 * k + 6)) & 3) << 4);
    }

    private static int subMin(int s0, int s4, int s8, int j) {
        if (j < 4) {
            return (s4 >>> (8 * j)) & 63;
        }
        int k = j - 4;
        return ((s8 >>> (8 * k + 4)) & 0xF) | (((s4 >>> (8 * k + 6)) & 3) << 4);
    }
}
