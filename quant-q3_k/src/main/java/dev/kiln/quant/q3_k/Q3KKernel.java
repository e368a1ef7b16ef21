package dev.kiln.quant.q3_k;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.Q8KDotKernel;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import java.lang.foreign.MemorySegment;

/**
 * Plain-Java Q3_K × Q8_K dot product with llama.cpp's numerics: activations are quantized to
 * Q8_K, products are summed exactly in integers, and the float accumulation follows ggml's
 * generic {@code ggml_vec_dot_q3_K_q8_K} (eight lanes by position mod 8, summed at the end).
 */
final class Q3KKernel extends Q8KDotKernel {
    private static final long LOW2 = 0x0303030303030303L;
    private static final long LOW1 = 0x0101010101010101L;

    Q3KKernel() {
        super(GgmlType.Q3_K);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8KActivations x, int blocks) {
        // ggml's eight int32 lanes (position mod 8) and their float sums, kept in locals: the
        // lane of a value is its byte index within each 8-byte word of qs/hmask.
        float f0 = 0, f1 = 0, f2 = 0, f3 = 0, f4 = 0, f5 = 0, f6 = 0, f7 = 0;
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q3KLayout.BYTES;
            int w0 = weights.get(Q3KLayout.U32, block + Q3KLayout.SCALES);
            int w4 = weights.get(Q3KLayout.U32, block + Q3KLayout.SCALES + 4);
            int w8 = weights.get(Q3KLayout.U32, block + Q3KLayout.SCALES + 8);
            int l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
            for (int n = 0; n < 2; n++) {
                for (int k = 0; k < 4; k++) {
                    long q = weights.get(Q3KLayout.U64, block + Q3KLayout.QS + 32L * n + 8L * k);
                    long h = weights.get(Q3KLayout.U64, block + Q3KLayout.HMASK + 8L * k);
                    for (int j = 0; j < 4; j++) {
                        // eight values 128n + 32j + 8k .. + 7, biased by 4 (0-7): low bits, high bit
                        long v = ((q >>> (2 * j)) & LOW2) | (((h >>> (4 * n + j)) & LOW1) << 2);
                        int s = Q3KLayout.scale(w0, w4, w8, 8 * n + 2 * j + k / 2);
                        long xa = x.word(i * Q3KLayout.BLOCK + 128 * n + 32 * j + 8 * k);
                        l0 += s * (((int) v & 0xFF) - 4) * (byte) xa;
                        l1 += s * (((int) (v >>> 8) & 0xFF) - 4) * (byte) (xa >>> 8);
                        l2 += s * (((int) (v >>> 16) & 0xFF) - 4) * (byte) (xa >>> 16);
                        l3 += s * (((int) (v >>> 24) & 0xFF) - 4) * (byte) (xa >>> 24);
                        l4 += s * (((int) (v >>> 32) & 0xFF) - 4) * (byte) (xa >>> 32);
                        l5 += s * (((int) (v >>> 40) & 0xFF) - 4) * (byte) (xa >>> 40);
                        l6 += s * (((int) (v >>> 48) & 0xFF) - 4) * (byte) (xa >>> 48);
                        l7 += s * (((int) (v >>> 56) & 0xFF) - 4) * (byte) (xa >>> 56);
                    }
                }
            }
            float d = Q3KLayout.d(weights, block) * x.scale(i);
            f0 += d * l0;
            f1 += d * l1;
            f2 += d * l2;
            f3 += d * l3;
            f4 += d * l4;
            f5 += d * l5;
            f6 += d * l6;
            f7 += d * l7;
        }
        float sumf = 0;
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
