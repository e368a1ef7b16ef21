package dev.kiln.quant.q5_1;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.ActivationForm;
import dev.kiln.toolkit.quant.activation.Q8_1Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_1 weights times Q8_1-rounded activations, as ggml's {@code vec_dot_q5_1_q8_1}: per block
 * the integer sum of 5-bit code × int8 activation scaled by both scales, plus the weights'
 * minimum times the activations' rounded block sum ({@code m · s}).
 */
final class Q5_1Kernel extends BlockDotKernel<Q8_1Activations> {

    Q5_1Kernel() {
        super(GgmlType.Q5_1, ActivationForm.Q8_1);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8_1Activations x, int blocks) {
        float sum = 0;
        int half = Q5_1.BLOCK / 2;
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * Q5_1.BYTES;
            int qh = weights.get(Q5_1.U32, at + 4);
            int xo = b * Q5_1.BLOCK;
            int s = 0;
            for (int j = 0; j < half; j++) {
                int q = weights.get(ValueLayout.JAVA_BYTE, at + 8 + j) & 0xFF;
                int lo = (q & 0x0F) | ((qh >>> j) & 1) << 4;
                int hi = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                s += lo * x.quant(xo + j) + hi * x.quant(xo + j + half);
            }
            float d = Float.float16ToFloat(weights.get(Q5_1.F16, at));
            float m = Float.float16ToFloat(weights.get(Q5_1.F16, at + 2));
            sum += d * x.scale(b) * s + m * x.sum(b);
        }
        return sum;
    }
}
