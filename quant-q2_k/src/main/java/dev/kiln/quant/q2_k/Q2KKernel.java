package dev.kiln.quant.q2_k;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.Q8KDotKernel;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import java.lang.foreign.MemorySegment;

/**
 * Plain-Java Q2_K × Q8_K dot product with llama.cpp's numerics (ggml's generic
 * {@code ggml_vec_dot_q2_K_q8_K}): activations quantized to Q8_K, each 16 products summed
 * exactly in integers and scaled by the 4-bit scale, the min term from the activations' sums per
 * 16, and one {@code d·Σ − dmin·Σ} per super-block.
 */
final class Q2KKernel extends Q8KDotKernel {
    private static final long LOW2 = 0x0303030303030303L;

    Q2KKernel() {
        super(GgmlType.Q2_K);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8KActivations x, int blocks) {
        float sumf = 0;
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q2KLayout.BYTES;
            long sLo = weights.get(Q2KLayout.U64, block + Q2KLayout.SCALES);
            long sHi = weights.get(Q2KLayout.U64, block + Q2KLayout.SCALES + 8);
            int summs = 0;
            for (int j = 0; j < 16; j++) {
                int sc = (int) ((j < 8 ? sLo : sHi) >>> (8 * (j & 7))) & 0xFF;
                summs += x.blockSum(16 * i + j) * (sc >> 4);
            }
            int isum = 0;
            for (int n = 0; n < 2; n++) {
                long q = block + Q2KLayout.QS + 32L * n;
                long scales = n == 0 ? sLo : sHi;
                for (int j = 0; j < 4; j++) {
                    int a = i * Q2KLayout.BLOCK + 128 * n + 32 * j;
                    for (int half = 0; half < 2; half++) {
                        int sc = (int) (scales >>> (8 * (2 * j + half))) & 0xF;
                        int sum = 0;
                        for (int k = 0; k < 2; k++) {
                            long v = (weights.get(Q2KLayout.U64, q + 16 * half + 8 * k) >>> (2 * j)) & LOW2;
                            long xa = x.word(a + 16 * half + 8 * k);
                            for (int b = 0; b < 64; b += 8) {
                                sum += (int) ((v >>> b) & 3) * (byte) (xa >>> b);
                            }
                        }
                        isum += sc * sum;
                    }
                }
            }
            float dall = x.scale(i) * Q2KLayout.d(weights, block);
            float dmin = x.scale(i) * Q2KLayout.dmin(weights, block);
            sumf += dall * isum - dmin * summs;
        }
        return sumf;
    }
}
