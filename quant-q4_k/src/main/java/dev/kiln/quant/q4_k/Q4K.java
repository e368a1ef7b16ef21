package dev.kiln.quant.q4_k;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;

/** The Q4_K quant type: 4-bit values with 6-bit per-32 scales and mins in 256-value super-blocks. */
public final class Q4K implements QuantType {
    private static final String NAME = "Q4_K";
    private static final Q4KKernel KERNEL = new Q4KKernel();

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q4_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q4KLayout.BYTES;
            float d = Q4KLayout.d(src, block);
            float min = Q4KLayout.dmin(src, block);
            Q4KLayout.scalesAndMins(src, block, sc, m);
            int y = dstOffset + i * Q4KLayout.BLOCK;
            for (int g = 0; g < 4; g++) {
                float d1 = d * sc[2 * g];
                float m1 = min * m[2 * g];
                float d2 = d * sc[2 * g + 1];
                float m2 = min * m[2 * g + 1];
                long q = block + Q4KLayout.QS + g * 32;
                int lo = y + g * 64;
                for (int k = 0; k < 4; k++) {
                    long v = src.get(Q4KLayout.U64, q + 8 * k);
                    for (int b = 0; b < 8; b++) {
                        int byt = (int) (v >>> (8 * b)) & 0xFF;
                        dst[lo + 8 * k + b] = d1 * (byt & 0xF) - m1;
                        dst[lo + 32 + 8 * k + b] = d2 * (byt >>> 4) - m2;
                    }
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        Q4KQuantizer quantizer = new Q4KQuantizer();
        for (int i = 0; i < blocks; i++) {
            quantizer.quantizeBlock(src, srcOffset + i * Q4KLayout.BLOCK, dst, offset + (long) i * Q4KLayout.BYTES);
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
