package dev.kiln.quant.iq4_xs;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.NonLinear4;
import dev.kiln.toolkit.quant.activation.ActivationForm;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * IQ4_XS weights times Q8_K-rounded activations, as ggml's {@code vec_dot_iq4_xs_q8_K}: per
 * 32-value block the integer sum of codebook value × int8 activation times the block's signed
 * scale, summed in integers over the super-block, then scaled by both super-block scales.
 */
final class IQ4XSKernel extends BlockDotKernel<Q8KActivations> {
    private static final byte[] VALUES = NonLinear4.values();

    IQ4XSKernel() {
        super(GgmlType.IQ4_XS, ActivationForm.Q8_K);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8KActivations x, int blocks) {
        float sum = 0;
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * IQ4XSLayout.BYTES;
            int high = weights.get(IQ4XSLayout.U16, block + IQ4XSLayout.SCALES_H) & 0xFFFF;
            int low = weights.get(IQ4XSLayout.U32, block + IQ4XSLayout.SCALES_L);
            int total = 0;
            for (int ib = 0; ib < IQ4XSLayout.BLOCK / IQ4XSLayout.SUB_BLOCK; ib++) {
                long qs = block + IQ4XSLayout.QS + 16L * ib;
                int xo = i * IQ4XSLayout.BLOCK + ib * IQ4XSLayout.SUB_BLOCK;
                int s = 0;
                for (int j = 0; j < 16; j++) {
                    int q = weights.get(ValueLayout.JAVA_BYTE, qs + j) & 0xFF;
                    s += VALUES[q & 0x0F] * x.quant(xo + j) + VALUES[q >>> 4] * x.quant(xo + j + 16);
                }
                total += IQ4XSLayout.scale(high, low, ib) * s;
            }
            sum += IQ4XSLayout.d(weights, block) * x.scale(i) * total;
        }
        return sum;
    }
}
