package dev.kiln.quant.q3_k;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.quant.q3_k.vector.Q3KVectorKernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/** The Q3_K quant type: signed 3-bit values with 6-bit per-16 scales in 256-value super-blocks. */
public final class Q3K implements QuantType {
    private static final String NAME = "Q3_K";
    private static final Q3KKernel KERNEL = new Q3KKernel();

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q3_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        int[] sc = new int[16];
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * Q3KLayout.BYTES;
            float d = Q3KLayout.d(src, block);
            Q3KLayout.scales(src, block, sc);
            int y = dstOffset + i * Q3KLayout.BLOCK;
            for (int n = 0; n < 2; n++) {
                for (int j = 0; j < 4; j++) {
                    for (int l = 0; l < 32; l++) {
                        float dl = d * sc[8 * n + 2 * j + l / 16];
                        int low = (src.get(ValueLayout.JAVA_BYTE, block + Q3KLayout.QS + 32 * n + l) >> (2 * j)) & 3;
                        int high = (src.get(ValueLayout.JAVA_BYTE, block + Q3KLayout.HMASK + l) >> (4 * n + j)) & 1;
                        dst[y + 128 * n + 32 * j + l] = dl * (low - (high != 0 ? 0 : 4));
                    }
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        Q3KQuantizer quantizer = new Q3KQuantizer();
        for (int i = 0; i < blocks; i++) {
            quantizer.quantizeBlock(src, srcOffset + i * Q3KLayout.BLOCK, dst, offset + (long) i * Q3KLayout.BYTES);
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
        static final Optional<DotKernel<?>> KERNEL = Q3KVectorKernel.SUPPORTED ? Optional.of(new Q3KVectorKernel()) : Optional.empty();
    }

    @Override
    public String toString() {
        return NAME;
    }
}
