package dev.kiln.quant.q6_k;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;

/** The Q6_K quant type: signed 6-bit values with an int8 scale per 16 in 256-value super-blocks. */
public final class Q6K implements QuantType {
    private static final String NAME = "Q6_K";
    private static final Q6KKernel KERNEL = new Q6KKernel();

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q6_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        float[] ds = new float[16];
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q6KLayout.BYTES;
            float d = Q6KLayout.d(src, block);
            for (int j = 0; j < 16; j++) {
                ds[j] = d * Q6KLayout.scale(src, block, j);
            }
            int y0 = dstOffset + i * Q6KLayout.BLOCK;
            for (int half = 0; half < 2; half++) {
                long ql = block + Q6KLayout.QL + 64L * half;
                long qh = block + Q6KLayout.QH + 32L * half;
                int y = y0 + 128 * half;
                int s = 8 * half;
                for (int k = 0; k < 4; k++) {
                    long lo = src.get(Q6KLayout.U64, ql + 8L * k);
                    long hi = src.get(Q6KLayout.U64, ql + 32 + 8L * k);
                    long h = src.get(Q6KLayout.U64, qh + 8L * k);
                    for (int b = 0; b < 8; b++) {
                        int l = 8 * k + b;
                        int is = l / 16;
                        int a = (int) (lo >>> (8 * b)) & 0xFF;
                        int c = (int) (hi >>> (8 * b)) & 0xFF;
                        int e = (int) (h >>> (8 * b)) & 0xFF;
                        dst[y + l] = ds[s + is] * (((a & 0xF) | ((e & 3) << 4)) - 32);
                        dst[y + l + 32] = ds[s + is + 2] * (((c & 0xF) | (((e >>> 2) & 3) << 4)) - 32);
                        dst[y + l + 64] = ds[s + is + 4] * (((a >>> 4) | (((e >>> 4) & 3) << 4)) - 32);
                        dst[y + l + 96] = ds[s + is + 6] * (((c >>> 4) | (((e >>> 6) & 3) << 4)) - 32);
                    }
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        Q6KQuantizer quantizer = new Q6KQuantizer();
        for (int i = 0; i < blocks; i++) {
            quantizer.quantizeBlock(src, srcOffset + i * Q6KLayout.BLOCK, dst, offset + (long) i * Q6KLayout.BYTES);
        }
    }

    @Override
    public DotKernel<?> kernel() {
        return KERNEL;
    }

    @Override
    public String toString() {
        return NAME;
    }
}
