package dev.kiln.quant.q5_k;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.Q8KDotKernel;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import dev.kiln.toolkit.quant.kquant.PackedScaleMins;
import java.lang.foreign.MemorySegment;

/**
 * Plain-Java Q5_K × Q8_K dot product with llama.cpp's numerics: activations are quantized to
 * Q8_K, products are summed exactly in integers, and the float accumulation follows ggml's
 * generic {@code ggml_vec_dot_q5_K_q8_K} (eight lanes by position mod 8, summed at the end; the
 * min term from the activations' sums per 16).
 */
final class Q5KKernel extends Q8KDotKernel {
    private static final long LOW4 = 0x0F0F0F0F0F0F0F0FL;
    private static final long LOW1 = 0x0101010101010101L;

    Q5KKernel() {
        super(GgmlType.Q5_K);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8KActivations x, int blocks) {
        // ggml's eight int32 lanes (position mod 8) and their float sums, kept in locals: the
        // lane of a value is its byte index within each 8-byte word of nibbles.
        float f0 = 0, f1 = 0, f2 = 0, f3 = 0, f4 = 0, f5 = 0, f6 = 0, f7 = 0;
        float sumf = 0;
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q5KLayout.BYTES;
            int s0 = weights.get(Q5KLayout.U32, block + Q5KLayout.SCALES);
            int s4 = weights.get(Q5KLayout.U32, block + Q5KLayout.SCALES + 4);
            int s8 = weights.get(Q5KLayout.U32, block + Q5KLayout.SCALES + 8);
            int minSum = 0;
            int xb = i * 16;
            int l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
            int qo = i * Q5KLayout.BLOCK;
            for (int g = 0; g < 4; g++) {
                int scLo = PackedScaleMins.scale(s0, s4, s8, 2 * g);
                int scHi = PackedScaleMins.scale(s0, s4, s8, 2 * g + 1);
                int mLo = PackedScaleMins.min(s0, s4, s8, 2 * g);
                int mHi = PackedScaleMins.min(s0, s4, s8, 2 * g + 1);
                minSum += (x.blockSum(xb + 4 * g) + x.blockSum(xb + 4 * g + 1)) * mLo
                        + (x.blockSum(xb + 4 * g + 2) + x.blockSum(xb + 4 * g + 3)) * mHi;
                long q = block + Q5KLayout.QS + 32L * g;
                int a = qo + 64 * g;
                for (int k = 0; k < 4; k++) {
                    long v = weights.get(Q5KLayout.U64, q + 8L * k);
                    long h = weights.get(Q5KLayout.U64, block + Q5KLayout.QH + 8L * k);
                    // eight 5-bit values per long, one per byte: nibble plus fifth bit
                    long lo = (v & LOW4) | (((h >>> (2 * g)) & LOW1) << 4);
                    long hi = ((v >>> 4) & LOW4) | (((h >>> (2 * g + 1)) & LOW1) << 4);
                    long xl = x.word(a + 8 * k);      // activations for the low nibbles
                    long xh = x.word(a + 32 + 8 * k); // and for the high nibbles, 32 values on
                    l0 += scLo * ((int) (lo & 0xFF) * (byte) xl) + scHi * ((int) (hi & 0xFF) * (byte) xh);
                    l1 += scLo * ((int) ((lo >>> 8) & 0xFF) * (byte) (xl >>> 8)) + scHi * ((int) ((hi >>> 8) & 0xFF) * (byte) (xh >>> 8));
                    l2 += scLo * ((int) ((lo >>> 16) & 0xFF) * (byte) (xl >>> 16)) + scHi * ((int) ((hi >>> 16) & 0xFF) * (byte) (xh >>> 16));
                    l3 += scLo * ((int) ((lo >>> 24) & 0xFF) * (byte) (xl >>> 24)) + scHi * ((int) ((hi >>> 24) & 0xFF) * (byte) (xh >>> 24));
                    l4 += scLo * ((int) ((lo >>> 32) & 0xFF) * (byte) (xl >>> 32)) + scHi * ((int) ((hi >>> 32) & 0xFF) * (byte) (xh >>> 32));
                    l5 += scLo * ((int) ((lo >>> 40) & 0xFF) * (byte) (xl >>> 40)) + scHi * ((int) ((hi >>> 40) & 0xFF) * (byte) (xh >>> 40));
                    l6 += scLo * ((int) ((lo >>> 48) & 0xFF) * (byte) (xl >>> 48)) + scHi * ((int) ((hi >>> 48) & 0xFF) * (byte) (xh >>> 48));
                    l7 += scLo * ((int) (lo >>> 56) * (byte) (xl >>> 56)) + scHi * ((int) (hi >>> 56) * (byte) (xh >>> 56));
                }
            }
            float d = Q5KLayout.d(weights, block) * x.scale(i);
            f0 += d * l0;
            f1 += d * l1;
            f2 += d * l2;
            f3 += d * l3;
            f4 += d * l4;
            f5 += d * l5;
            f6 += d * l6;
            f7 += d * l7;
            float dmin = Q5KLayout.dmin(weights, block) * x.scale(i);
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
}
