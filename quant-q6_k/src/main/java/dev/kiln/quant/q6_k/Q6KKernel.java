package dev.kiln.quant.q6_k;

import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantException;
import java.lang.foreign.MemorySegment;

/**
 * Plain-Java Q6_K × Q8_K dot product with llama.cpp's numerics: activations are quantized to
 * Q8_K, products are summed exactly in integers, and the float accumulation follows ggml's
 * generic {@code ggml_vec_dot_q6_K_q8_K} (eight lanes by position mod 8, summed at the end).
 */
final class Q6KKernel implements DotKernel<Q8KActivations> {
    private static final String NAME = "Q6_K";

    @Override
    public Q8KActivations prepare(float[] x, int offset, int count) {
        BlockBounds.blocks(NAME, count, Q6KLayout.BLOCK);
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
        BlockBounds.rows(NAME, weights, offset, rowBytes, rowCount, (long) blocks * Q6KLayout.BYTES);
        BlockBounds.array(NAME, "output", out == null ? 0 : out.length, outOffset, rowCount, out == null);
        for (int r = 0; r < rowCount; r++) {
            out[outOffset + r] = dotUnchecked(weights, offset + r * rowBytes, x, blocks);
        }
    }

    private static float dotUnchecked(MemorySegment weights, long offset, Q8KActivations x, int blocks) {
        int[] lane = new int[8];
        int[] sc = new int[16];
        float[] sums = new float[8];
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q6KLayout.BYTES;
            for (int j = 0; j < 16; j++) {
                sc[j] = Q6KLayout.scale(weights, block, j);
            }
            for (int l = 0; l < 8; l++) {
                lane[l] = 0;
            }
            for (int half = 0; half < 2; half++) {
                long ql = block + Q6KLayout.QL + 64L * half;
                long qh = block + Q6KLayout.QH + 32L * half;
                int p0 = i * Q6KLayout.BLOCK + 128 * half;
                int s = 8 * half;
                for (int k = 0; k < 4; k++) {
                    long lo = weights.get(Q6KLayout.U64, ql + 8L * k);
                    long hi = weights.get(Q6KLayout.U64, ql + 32 + 8L * k);
                    long h = weights.get(Q6KLayout.U64, qh + 8L * k);
                    int is = s + k / 2; // group of 16 for positions 8k..8k+7
                    int p = p0 + 8 * k;
                    for (int b = 0; b < 8; b++) {
                        int a = (int) (lo >>> (8 * b)) & 0xFF;
                        int c = (int) (hi >>> (8 * b)) & 0xFF;
                        int e = (int) (h >>> (8 * b)) & 0xFF;
                        int q1 = ((a & 0xF) | ((e & 3) << 4)) - 32;
                        int q2 = ((c & 0xF) | (((e >>> 2) & 3) << 4)) - 32;
                        int q3 = ((a >>> 4) | (((e >>> 4) & 3) << 4)) - 32;
                        int q4 = ((c >>> 4) | (((e >>> 6) & 3) << 4)) - 32;
                        lane[b] += sc[is] * (q1 * x.qs[p + b])
                                + sc[is + 2] * (q2 * x.qs[p + 32 + b])
                                + sc[is + 4] * (q3 * x.qs[p + 64 + b])
                                + sc[is + 6] * (q4 * x.qs[p + 96 + b]);
                    }
                }
            }
            float d = Q6KLayout.d(weights, block) * x.d[i];
            for (int l = 0; l < 8; l++) {
                sums[l] += d * lane[l];
            }
        }
        float sumf = 0;
        for (int l = 0; l < 8; l++) {
            sumf += sums[l];
        }
        return sumf;
    }

    private static int check(MemorySegment weights, long offset, Q8KActivations x, int count) {
        int blocks = BlockBounds.blocks(NAME, count, Q6KLayout.BLOCK);
        if (x == null) {
            throw new QuantException(NAME + ": activations are null");
        }
        if (count > x.count) {
            throw new QuantException(NAME + ": dot over " + count + " elements but only " + x.count
                    + " activations were prepared");
        }
        BlockBounds.segment(NAME, "weight", weights, offset, (long) blocks * Q6KLayout.BYTES);
        return blocks;
    }
}
