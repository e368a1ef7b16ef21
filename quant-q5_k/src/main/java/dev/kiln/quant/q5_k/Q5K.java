package dev.kiln.quant.q5_k;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.toolkit.quant.kquant.PackedScaleMins;
import dev.kiln.quant.q5_k.vector.Q5KVectorKernel;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** The Q5_K quant type: 5-bit values with 6-bit per-32 scales and mins in 256-value super-blocks. */
public final class Q5K implements QuantType {
    private static final String NAME = "Q5_K";
    private static final Q5KKernel KERNEL = new Q5KKernel();

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q5_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q5KLayout.BYTES;
            float d = Q5KLayout.d(src, block);
            float min = Q5KLayout.dmin(src, block);
            PackedScaleMins.unpack(src, block + Q5KLayout.SCALES, sc, m);
            int y = dstOffset + i * Q5KLayout.BLOCK;
            for (int g = 0; g < 4; g++) {
                float d1 = d * sc[2 * g];
                float m1 = min * m[2 * g];
                float d2 = d * sc[2 * g + 1];
                float m2 = min * m[2 * g + 1];
                long q = block + Q5KLayout.QS + 32L * g;
                int lo = y + 64 * g;
                for (int k = 0; k < 4; k++) {
                    long v = src.get(Q5KLayout.U64, q + 8L * k);
                    long h = src.get(Q5KLayout.U64, block + Q5KLayout.QH + 8L * k);
                    for (int b = 0; b < 8; b++) {
                        int byt = (int) (v >>> (8 * b)) & 0xFF;
                        int hb = (int) (h >>> (8 * b)) & 0xFF;
                        int q1 = (byt & 0xF) | (((hb >>> (2 * g)) & 1) << 4);
                        int q2 = (byt >>> 4) | (((hb >>> (2 * g + 1)) & 1) << 4);
                        dst[lo + 8 * k + b] = d1 * q1 - m1;
                        dst[lo + 32 + 8 * k + b] = d2 * q2 - m2;
                    }
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        Q5KQuantizer quantizer = new Q5KQuantizer();
        for (int i = 0; i < blocks; i++) {
            quantizer.quantizeBlock(src, srcOffset + i * Q5KLayout.BLOCK, dst, offset + (long) i * Q5KLayout.BYTES);
        }
    }

    @Override
    public DotKernel<?> kernel() {
        return KERNEL;
    }

    /** The Vector API kernel, where the JVM has the Vector API (else the backend uses {@link #kernel()}). */
    @Override
    public Optional<DotKernel<?>> vectorKernel() {
        try {
            return VectorKernelHolder.KERNEL;
        } catch (LinkageError e) {
            return Optional.empty();
        }
    }

    /** Created on first use, so a JVM without the Vector API never loads the kernel class. */
    private static final class VectorKernelHolder {
        static final Optional<DotKernel<?>> KERNEL = Q5KVectorKernel.SUPPORTED ? Optional.of(new Q5KVectorKernel()) : Optional.empty();
    }

    @Override
    public String toString() {
        return NAME;
    }
}
