package dev.kiln.quant.q4_k;

import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantException;
import java.lang.foreign.MemorySegment;

/**
 * Plain-Java Q4_K × Q8_K dot product with llama.cpp's numerics: activations are quantized to
 * Q8_K, products are summed exactly in integers, and the float accumulation follows ggml's
 * generic {@code ggml_vec_dot_q4_K_q8_K} (eight lanes by position mod 8, summed at the end).
 */
final class Q4KKernel implements DotKernel<Q8KActivations> {
    private static final String NAME = "Q4_K";

    @Override
    public Q8KActivations prepare(float[] x, int offset, int count) {
        BlockBounds.blocks(NAME, count, Q4KLayout.BLOCK);
        BlockBounds.array(NAME, "activation", x == null ? 0 : x.length, offset, count, x == null);
        return Q8KActivations.quantize(x, offset, count);
    }

    @Override
    public float dot(MemorySegment weights, long offset, Q8KActivations x, int count) {
        return dotUnchecked(weights, offset, x, check(weights, offset, x, count));
    }

    @Override
    public void dotRows(MemorySegment weights, long offset, long rowBytes, int rowCount, Q8KActivations x, int count,
                        float[] out, int outOffset) {
        int blocks = check(weights, offset, x, count);
        BlockBounds.rows(NAME, weights, offset, rowBytes, rowCount, (long) blocks * Q4KLayout.BYTES);
        BlockBounds.array(NAME, "output", out == null ? 0 : out.length, outOffset, rowCount, out == null);
        for (int r = 0; r < rowCount; r++) {
            out[outOffset + r] = dotUnchecked(weights, offset + r * rowBytes, x, blocks);
        }
    }

    private static float dotUnchecked(MemorySegment weights, long offset, Q8KActivations x, int blocks) {
        int[] lane = new int[8];
        float[] sums = new float[8];
        float sumf = 0;
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q4KLayout.BYTES;
            // get_scale_min_k4, inlined: the 12 scale bytes read as three little-endian words
            int s0 = weights.get(Q4KLayout.U32, block + Q4KLayout.SCALES);
            int s4 = weights.get(Q4KLayout.U32, block + Q4KLayout.SCALES + 4);
            int s8 = weights.get(Q4KLayout.U32, block + Q4KLayout.SCALES + 8);
            int minSum = 0;
            int xb = i * 16;
            for (int l = 0; l < 8; l++) {
                lane[l] = 0;
            }
            int qo = i * Q4KLayout.BLOCK;
            for (int g = 0; g < 4; g++) {
                int scLo = subScale(s0, s4, s8, 2 * g);
                int scHi = subScale(s0, s4, s8, 2 * g + 1);
                int mLo = subMin(s0, s4, s8, 2 * g);
                int mHi = subMin(s0, s4, s8, 2 * g + 1);
                minSum += (x.bsums[xb + 4 * g] + x.bsums[xb + 4 * g + 1]) * mLo
                        + (x.bsums[xb + 4 * g + 2] + x.bsums[xb + 4 * g + 3]) * mHi;
                long q = block + Q4KLayout.QS + 32L * g;
                int a = qo + 64 * g;
                for (int k = 0; k < 4; k++) {
                    long v = weights.get(Q4KLayout.U64, q + 8L * k);
                    int p = a + 8 * k;
                    for (int b = 0; b < 8; b++) {
                        int byt = (int) (v >>> (8 * b)) & 0xFF;
                        lane[b] += scLo * ((byt & 0xF) * x.qs[p + b]) + scHi * ((byt >>> 4) * x.qs[p + 32 + b]);
                    }
                }
            }
            float d = Q4KLayout.d(weights, block) * x.d[i];
            for (int l = 0; l < 8; l++) {
                sums[l] += d * lane[l];
            }
            float dmin = Q4KLayout.dmin(weights, block) * x.d[i];
            sumf -= dmin * minSum;
        }
        for (int l = 0; l < 8; l++) {
            sumf += sums[l];
        }
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

    private static int check(MemorySegment weights, long offset, Q8KActivations x, int count) {
        int blocks = BlockBounds.blocks(NAME, count, Q4KLayout.BLOCK);
        if (x == null) {
            throw new QuantException(NAME + ": activations are null");
        }
        if (count > x.count) {
            throw new QuantException(NAME + ": dot over " + count + " elements but only " + x.count
                    + " activations were prepared");
        }
        BlockBounds.segment(NAME, "weight", weights, offset, (long) blocks * Q4KLayout.BYTES);
        return blocks;
    }
}
