package dev.kiln.quant.iq4_nl;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.NonLinear4;
import dev.kiln.toolkit.quant.activation.ActivationForm;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * IQ4_NL weights times Q8_0-rounded activations, as ggml's {@code vec_dot_iq4_nl_q8_0}: per
 * block the integer sum of codebook value × int8 activation, scaled by both blocks' scales.
 */
final class IQ4NLKernel extends BlockDotKernel<Q8_0Activations> {
    private static final byte[] VALUES = NonLinear4.values();

    IQ4NLKernel() {
        super(GgmlType.IQ4_NL, ActivationForm.Q8_0);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8_0Activations x, int blocks) {
        float sum = 0;
        int half = IQ4NL.BLOCK / 2;
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * IQ4NL.BYTES;
            int xo = b * IQ4NL.BLOCK;
            int s = 0;
            for (int j = 0; j < half; j++) {
                int q = weights.get(ValueLayout.JAVA_BYTE, at + 2 + j) & 0xFF;
                s += VALUES[q & 0x0F] * x.quant(xo + j) + VALUES[q >>> 4] * x.quant(xo + j + half);
            }
            sum += s * (Float.float16ToFloat(weights.get(IQ4NL.F16, at)) * x.scale(b));
        }
        return sum;
    }
}
