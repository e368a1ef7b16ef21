package dev.kiln.quant.q6_k;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import java.lang.foreign.MemorySegment;

/**
 * Plain-Java Q6_K × Q8_K dot product with llama.cpp's numerics: activations are quantized to
 * Q8_K, products are summed exactly in integers, and the float accumulation follows ggml's
 * generic {@code ggml_vec_dot_q6_K_q8_K} (eight lanes by position mod 8, summed at the end).
 */
final class Q6KKernel extends BlockDotKernel<Q8KActivations> {
    private static final long LOW4 = 0x0F0F0F0F0F0F0F0FL;
    private static final long LOW2 = 0x0303030303030303L;

    Q6KKernel() {
        super(GgmlType.Q6_K);
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
                    int p = p0 + 8 * k;
                    // the 6-bit values of positions l, l+64 (from ql[l]) and l+32, l+96 (from ql[l+32]),
                    // eight per long, unsigned (bias 32 still in)
                    long v1 = (lo & LOW4) | ((h & LOW2) << 4);
                    long v3 = ((lo >>> 4) & LOW4) | (((h >>> 4) & LOW2) << 4);
                    int sa = Q6KLayout.scale(weights, block, is);
                    int sb = Q6KLayout.scale(weights, block, is + 4);
                    long xa = x.word(p);
                    long xb = x.word(p + 64);
                    l0 += sa * (((int) (v1 >>> 0) & 0xFF) - 32) * (byte) (xa >>> 0)
                            + sb * (((int) (v3 >>> 0) & 0xFF) - 32) * (byte) (xb >>> 0);
                    l1 += sa * (((int) (v1 >>> 8) & 0xFF) - 32) * (byte) (xa >>> 8)
                            + sb * (((int) (v3 >>> 8) & 0xFF) - 32) * (byte) (xb >>> 8);
                    l2 += sa * (((int) (v1 >>> 16) & 0xFF) - 32) * (byte) (xa >>> 16)
                            + sb * (((int) (v3 >>> 16) & 0xFF) - 32) * (byte) (xb >>> 16);
                    l3 += sa * (((int) (v1 >>> 24) & 0xFF) - 32) * (byte) (xa >>> 24)
                            + sb * (((int) (v3 >>> 24) & 0xFF) - 32) * (byte) (xb >>> 24);
                    l4 += sa * (((int) (v1 >>> 32) & 0xFF) - 32) * (byte) (xa >>> 32)
                            + sb * (((int) (v3 >>> 32) & 0xFF) - 32) * (byte) (xb >>> 32);
                    l5 += sa * (((int) (v1 >>> 40) & 0xFF) - 32) * (byte) (xa >>> 40)
                            + sb * (((int) (v3 >>> 40) & 0xFF) - 32) * (byte) (xb >>> 40);
                    l6 += sa * (((int) (v1 >>> 48) & 0xFF) - 32) * (byte) (xa >>> 48)
                            + sb * (((int) (v3 >>> 48) & 0xFF) - 32) * (byte) (xb >>> 48);
                    l7 += sa * (((int) (v1 >>> 56) & 0xFF) - 32) * (byte) (xa >>> 56)
                            + sb * (((int) (v3 >>> 56) & 0xFF) - 32) * (byte) (xb >>> 56);
                    long v2 = (hi & LOW4) | (((h >>> 2) & LOW2) << 4);
                    long v4 = ((hi >>> 4) & LOW4) | (((h >>> 6) & LOW2) << 4);
                    sa = Q6KLayout.scale(weights, block, is + 2);
                    sb = Q6KLayout.scale(weights, block, is + 6);
                    xa = x.word(p + 32);
                    xb = x.word(p + 96);
                    l0 += sa * (((int) (v2 >>> 0) & 0xFF) - 32) * (byte) (xa >>> 0)
                            + sb * (((int) (v4 >>> 0) & 0xFF) - 32) * (byte) (xb >>> 0);
                    l1 += sa * (((int) (v2 >>> 8) & 0xFF) - 32) * (byte) (xa >>> 8)
                            + sb * (((int) (v4 >>> 8) & 0xFF) - 32) * (byte) (xb >>> 8);
                    l2 += sa * (((int) (v2 >>> 16) & 0xFF) - 32) * (byte) (xa >>> 16)
                            + sb * (((int) (v4 >>> 16) & 0xFF) - 32) * (byte) (xb >>> 16);
                    l3 += sa * (((int) (v2 >>> 24) & 0xFF) - 32) * (byte) (xa >>> 24)
                            + sb * (((int) (v4 >>> 24) & 0xFF) - 32) * (byte) (xb >>> 24);
                    l4 += sa * (((int) (v2 >>> 32) & 0xFF) - 32) * (byte) (xa >>> 32)
                            + sb * (((int) (v4 >>> 32) & 0xFF) - 32) * (byte) (xb >>> 32);
                    l5 += sa * (((int) (v2 >>> 40) & 0xFF) - 32) * (byte) (xa >>> 40)
                            + sb * (((int) (v4 >>> 40) & 0xFF) - 32) * (byte) (xb >>> 40);
                    l6 += sa * (((int) (v2 >>> 48) & 0xFF) - 32) * (byte) (xa >>> 48)
                            + sb * (((int) (v4 >>> 48) & 0xFF) - 32) * (byte) (xb >>> 48);
                    l7 += sa * (((int) (v2 >>> 56) & 0xFF) - 32) * (byte) (xa >>> 56)
                            + sb * (((int) (v4 >>> 56) & 0xFF) - 32) * (byte) (xb >>> 56);
                }
            }
            float d = Q6KLayout.d(weights, block) * x.scale(i);
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
