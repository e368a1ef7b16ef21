package dev.kiln.quant.q4_0;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 weights times Q8_0-rounded activations, as ggml's {@code vec_dot_q4_0_q8_0}: an integer
 * dot product of {@code (q - 8)} with the int8 activations per block, scaled by both scales.
 */
final class Q4_0Kernel extends BlockDotKernel<Q8_0Activations> {

    Q4_0Kernel() {
        super(GgmlType.Q4_0);
    }

    @Override
    protected Q8_0Activations prepareChecked(float[] x, int offset, int count) {
        return Q8_0Activations.of(x, offset, count);
    }

    @Override
    protected int preparedCount(Q8_0Activations x) {
        return x.count();
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8_0Activations x, int nb) {
        float sum = 0f;
        int half = Q4_0.QK / 2;
        for (int b = 0; b < nb; b++) {
            long p = offset + (long) b * Q4_0.BLOCK_BYTES;
            float dw = Float.float16ToFloat(weights.get(Q4_0.F16, p));
            int xo = b * Q4_0.QK;
            int s = 0;
            for (int j = 0; j < half; j++) {
                int q = weights.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xFF;
                s += ((q & 0x0F) - 8) * x.quant(xo + j) + ((q >>> 4) - 8) * x.quant(xo + j + half);
            }
            sum += s * (dw * x.scale(b));
        }
        return sum;
    }
}
