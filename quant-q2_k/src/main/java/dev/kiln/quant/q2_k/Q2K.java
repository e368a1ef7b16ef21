package dev.kiln.quant.q2_k;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.quant.q2_k.vector.Q2KVectorKernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/** The Q2_K quant type: 2-bit values with 4-bit per-16 scales and mins in 256-value super-blocks. */
public final class Q2K implements QuantType {
    private static final String NAME = "Q2_K";
    private static final Q2KKernel KERNEL = new Q2KKernel();

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q2_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q2KLayout.BYTES;
            float d = Q2KLayout.d(src, block);
            float min = Q2KLayout.dmin(src, block);
            int y = dstOffset + i * Q2KLayout.BLOCK;
            for (int n = 0; n < 2; n++) {
                long q = block + Q2KLayout.QS + 32L * n;
                for (int j = 0; j < 4; j++) {
                    for (int half = 0; half < 2; half++) {
                        int sc = Q2KLayout.scaleByte(src, block, 8 * n + 2 * j + half);
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >> 4);
                        int yo = y + 128 * n + 32 * j + 16 * half;
                        for (int l = 0; l < 16; l++) {
                            int v = (src.get(ValueLayout.JAVA_BYTE, q + 16 * half + l) >> (2 * j)) & 3;
                            dst[yo + l] = dl * v - ml;
                        }
                    }
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        Q2KQuantizer quantizer = new Q2KQuantizer();
        for (int i = 0; i < blocks; i++) {
            quantizer.quantizeBlock(src, srcOffset + i * Q2KLayout.BLOCK, dst, offset + (long) i * Q2KLayout.BYTES);
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
        static final Optional<DotKernel<?>> KERNEL = Q2KVectorKernel.SUPPORTED ? Optional.of(new Q2KVectorKernel()) : Optional.empty();
    }

    @Override
    public String toString() {
        return NAME;
    }
}
