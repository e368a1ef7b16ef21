package dev.kiln.quant.q5_0;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.ActivationForm;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_0 weights times Q8_0-rounded activations, as ggml's {@code vec_dot_q5_0_q8_0}: per block
 * the integer sum of (5-bit code − 16) × int8 activation, scaled by both blocks' scales.
 */
final class Q5_0Kernel extends BlockDotKernel<Q8_0Activations> {

    Q5_0Kernel() {
        super(GgmlType.Q5_0, ActivationForm.Q8_0);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8_0Activations x, int blocks) {
        float sum = 0;
        int half = Q5_0.BLOCK / 2;
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * Q5_0.BYTES;
            int qh = weights.get(Q5_0.U32, at + 2);
            int xo = b * Q5_0.BLOCK;
            int s = 0;
            for (int j = 0; j < half; j++) {
                int q = weights.get(ValueLayout.JAVA_BYTE, at + 6 + j) & 0xFF;
                int lo = (q & 0x0F) | ((qh >>> j) & 1) << 4;
                int hi = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                s += (lo - 16) * x.quant(xo + j) + (hi - 16) * x.quant(xo + j + half);
            }
            sum += s * (Float.float16ToFloat(weights.get(Q5_0.F16, at)) * x.scale(b));
        }
        return sum;
    }
}
