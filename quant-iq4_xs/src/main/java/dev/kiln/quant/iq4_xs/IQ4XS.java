package dev.kiln.quant.iq4_xs;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.quant.iq4_xs.vector.IQ4XSVectorKernel;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.toolkit.quant.VectorKernels;
import dev.kiln.toolkit.quant.NearestInt;
import dev.kiln.toolkit.quant.NonLinear4;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * ggml's IQ4_XS: IQ4_NL's non-linear 4-bit codes in 256-value super-blocks with one f16 scale
 * and a 6-bit scale per 32 values (4.25 bits per weight); see {@link IQ4XSLayout}.
 */
public final class IQ4XS implements QuantType {
    private static final IQ4XSKernel KERNEL = new IQ4XSKernel();
    private static final Optional<DotKernel<?>> VECTOR_KERNEL = VectorKernels.ifAvailable(() -> new IQ4XSVectorKernel());

    @Override
    public GgmlType ggmlType() {
        return GgmlType.IQ4_XS;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * IQ4XSLayout.BYTES;
            float d = IQ4XSLayout.d(src, block);
            int high = src.get(IQ4XSLayout.U16, block + IQ4XSLayout.SCALES_H) & 0xFFFF;
            int low = src.get(IQ4XSLayout.U32, block + IQ4XSLayout.SCALES_L);
            for (int ib = 0; ib < IQ4XSLayout.BLOCK / IQ4XSLayout.SUB_BLOCK; ib++) {
                float dl = d * IQ4XSLayout.scale(high, low, ib);
                long qs = block + IQ4XSLayout.QS + 16L * ib;
                int out = dstOffset + i * IQ4XSLayout.BLOCK + ib * IQ4XSLayout.SUB_BLOCK;
                for (int j = 0; j < 16; j++) {
                    int q = src.get(ValueLayout.JAVA_BYTE, qs + j) & 0xFF;
                    dst[out + j] = dl * NonLinear4.value(q & 0x0F);
                    dst[out + j + 16] = dl * NonLinear4.value(q >>> 4);
                }
            }
        }
    }

    /**
     * As {@code ggml_quantize_chunk} quantizes IQ4_XS ({@code quantize_iq4_xs}, no importance
     * matrix): each 32-value block's scale from ggml's weighted search; the super-block scale
     * {@code d = -s/32} for the block scale {@code s} of largest magnitude; block scales rounded
     * to {@code nearest_int(scale/d)} in −32..31; each value's nearest code at its rounded scale.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        int subBlocks = IQ4XSLayout.BLOCK / IQ4XSLayout.SUB_BLOCK;
        float[] scales = new float[subBlocks];
        for (int i = 0; i < blocks; i++) {
            int in = srcOffset + i * IQ4XSLayout.BLOCK;
            long block = offset + (long) i * IQ4XSLayout.BYTES;
            float maxScale = 0;
            float amaxScale = 0;
            for (int ib = 0; ib < subBlocks; ib++) {
                scales[ib] = NonLinear4.blockScale(src, in + ib * IQ4XSLayout.SUB_BLOCK);
                if (Math.abs(scales[ib]) > amaxScale) {
                    amaxScale = Math.abs(scales[ib]);
                    maxScale = scales[ib];
                }
            }
            float d = -maxScale / 32;
            float id = d != 0 ? 1 / d : 0;
            dst.set(IQ4XSLayout.U16, block, Float.floatToFloat16(d));
            int high = 0;
            int low = 0;
            for (int ib = 0; ib < subBlocks; ib++) {
                int l = Math.max(-32, Math.min(31, NearestInt.of(id * scales[ib])));
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0;
                int from = in + ib * IQ4XSLayout.SUB_BLOCK;
                long qs = block + IQ4XSLayout.QS + 16L * ib;
                for (int j = 0; j < 16; j++) {
                    int lo = NonLinear4.nearest(idl * src[from + j]);
                    int hi = NonLinear4.nearest(idl * src[from + j + 16]);
                    dst.set(ValueLayout.JAVA_BYTE, qs + j, (byte) (lo | hi << 4));
                }
                low |= ((l + 32) & 0xF) << (4 * ib);
                high |= ((l + 32) >>> 4) << (2 * ib);
            }
            dst.set(IQ4XSLayout.U16, block + IQ4XSLayout.SCALES_H, (short) high);
            dst.set(IQ4XSLayout.U32, block + IQ4XSLayout.SCALES_L, low);
        }
    }

    @Override
    public DotKernel<?> kernel() {
        return KERNEL;
    }

    /**
     * The Vector API kernel (package {@code vector}, the only code here that uses
     * {@code jdk.incubator.vector}; created through a lambda, so a JVM without that module can
     * still load this class).
     */
    @Override
    public Optional<DotKernel<?>> vectorKernel() {
        return VECTOR_KERNEL;
    }

    @Override
    public String toString() {
        return "IQ4_XS";
    }
}
