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
        // ggml's eight int32 lanes (position mod 8) and their float sums, kept in locals: the
        // lane of a value is its byte index within each 8-byte word of ql/qh.
        float f0 = 0, f1 = 0, f2 = 0, f3 = 0, f4 = 0, f5 = 0, f6 = 0, f7 = 0;
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q6KLayout.BYTES;
            int l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
            for (int half = 0; half < 2; half++) {
                long ql = block + Q6KLayout.QL + 64L * half;
                long qh = block + Q6KLayout.QH + 32L * half;
                int p0 = i * Q6KLayout.BLOCK + 128 * half;
                for (int k = 0; k < 4; k++) {
                    long lo = weights.get(Q6KLayout.U64, ql + 8L * k);      // values l (low nibble), l+64 (high)
                    long hi = weights.get(Q6KLayout.U64, ql + 32 + 8L * k); // values l+32, l+96
                    long h = weights.get(Q6KLayout.U64, qh + 8L * k);       // their top two bits
                    int is = 8 * half + k / 2; // scale group of 16 for values 8k..8k+7
                    int s1 = Q6KLayout.scale(weights, block, is);
                    int s2 = Q6KLayout.scale(weights, block, is + 2);
                    int s3 = Q6KLayout.scale(weights, block, is + 4);
                    int s4 = Q6KLayout.scale(weights, block, is + 6);
                    int p = p0 + 8 * k;
                    long x1 = x.word(p);
                    long x2 = x.word(p + 32);
                    long x3 = x.word(p + 64);
                    long x4 = x.word(p + 96);
                    l0 += s1 * ((((int) (lo >>> 0) & 0xF) | (((int) (h >>> 0) & 3) << 4)) - 32) * (byte) (x1 >>> 0)
                            + s2 * ((((int) (hi >>> 0) & 0xF) | (((int) (h >>> 2) & 3) << 4)) - 32) * (byte) (x2 >>> 0)
                            + s3 * ((((int) (lo >>> 4) & 0xF) | (((int) (h >>> 4) & 3) << 4)) - 32) * (byte) (x3 >>> 0)
                            + s4 * ((((int) (hi >>> 4) & 0xF) | (((int) (h >>> 6) & 3) << 4)) - 32) * (byte) (x4 >>> 0);
                    l1 += s1 * ((((int) (lo >>> 8) & 0xF) | (((int) (h >>> 8) & 3) << 4)) - 32) * (byte) (x1 >>> 8)
                            + s2 * ((((int) (hi >>> 8) & 0xF) | (((int) (h >>> 10) & 3) << 4)) - 32) * (byte) (x2 >>> 8)
                            + s3 * ((((int) (lo >>> 12) & 0xF) | (((int) (h >>> 12) & 3) << 4)) - 32) * (byte) (x3 >>> 8)
                            + s4 * ((((int) (hi >>> 12) & 0xF) | (((int) (h >>> 14) & 3) << 4)) - 32) * (byte) (x4 >>> 8);
                    l2 += s1 * ((((int) (lo >>> 16) & 0xF) | (((int) (h >>> 16) & 3) << 4)) - 32) * (byte) (x1 >>> 16)
                            + s2 * ((((int) (hi >>> 16) & 0xF) | (((int) (h >>> 18) & 3) << 4)) - 32) * (byte) (x2 >>> 16)
                            + s3 * ((((int) (lo >>> 20) & 0xF) | (((int) (h >>> 20) & 3) << 4)) - 32) * (byte) (x3 >>> 16)
                            + s4 * ((((int) (hi >>> 20) & 0xF) | (((int) (h >>> 22) & 3) << 4)) - 32) * (byte) (x4 >>> 16);
                    l3 += s1 * ((((int) (lo >>> 24) & 0xF) | (((int) (h >>> 24) & 3) << 4)) - 32) * (byte) (x1 >>> 24)
                            + s2 * ((((int) (hi >>> 24) & 0xF) | (((int) (h >>> 26) & 3) << 4)) - 32) * (byte) (x2 >>> 24)
                            + s3 * ((((int) (lo >>> 28) & 0xF) | (((int) (h >>> 28) & 3) << 4)) - 32) * (byte) (x3 >>> 24)
                            + s4 * ((((int) (hi >>> 28) & 0xF) | (((int) (h >>> 30) & 3) << 4)) - 32) * (byte) (x4 >>> 24);
                    l4 += s1 * ((((int) (lo >>> 32) & 0xF) | (((int) (h >>> 32) & 3) << 4)) - 32) * (byte) (x1 >>> 32)
                            + s2 * ((((int) (hi >>> 32) & 0xF) | (((int) (h >>> 34) & 3) << 4)) - 32) * (byte) (x2 >>> 32)
                            + s3 * ((((int) (lo >>> 36) & 0xF) | (((int) (h >>> 36) & 3) << 4)) - 32) * (byte) (x3 >>> 32)
                            + s4 * ((((int) (hi >>> 36) & 0xF) | (((int) (h >>> 38) & 3) << 4)) - 32) * (byte) (x4 >>> 32);
                    l5 += s1 * ((((int) (lo >>> 40) & 0xF) | (((int) (h >>> 40) & 3) << 4)) - 32) * (byte) (x1 >>> 40)
                            + s2 * ((((int) (hi >>> 40) & 0xF) | (((int) (h >>> 42) & 3) << 4)) - 32) * (byte) (x2 >>> 40)
                            + s3 * ((((int) (lo >>> 44) & 0xF) | (((int) (h >>> 44) & 3) << 4)) - 32) * (byte) (x3 >>> 40)
                            + s4 * ((((int) (hi >>> 44) & 0xF) | (((int) (h >>> 46) & 3) << 4)) - 32) * (byte) (x4 >>> 40);
                    l6 += s1 * ((((int) (lo >>> 48) & 0xF) | (((int) (h >>> 48) & 3) << 4)) - 32) * (byte) (x1 >>> 48)
                            + s2 * ((((int) (hi >>> 48) & 0xF) | (((int) (h >>> 50) & 3) << 4)) - 32) * (byte) (x2 >>> 48)
                            + s3 * ((((int) (lo >>> 52) & 0xF) | (((int) (h >>> 52) & 3) << 4)) - 32) * (byte) (x3 >>> 48)
                            + s4 * ((((int) (hi >>> 52) & 0xF) | (((int) (h >>> 54) & 3) << 4)) - 32) * (byte) (x4 >>> 48);
                    l7 += s1 * ((((int) (lo >>> 56) & 0xF) | (((int) (h >>> 56) & 3) << 4)) - 32) * (byte) (x1 >>> 56)
                            + s2 * ((((int) (hi >>> 56) & 0xF) | (((int) (h >>> 58) & 3) << 4)) - 32) * (byte) (x2 >>> 56)
                            + s3 * ((((int) (lo >>> 60) & 0xF) | (((int) (h >>> 60) & 3) << 4)) - 32) * (byte) (x3 >>> 56)
                            + s4 * ((((int) (hi >>> 60) & 0xF) | (((int) (h >>> 62) & 3) << 4)) - 32) * (byte) (x4 >>> 56);
                }
            }
            float d = Q6KLayout.d(weights, block) * x.d[i];
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
