package dev.kiln.quant.q8_0;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q8_0 weights times Q8_0-rounded activations, as ggml's {@code vec_dot_q8_0_q8_0}: an integer
 * dot product per block, scaled by both blocks' f16 scales.
 */
final class Q8_0Kernel extends BlockDotKernel<Q8_0Activations> {

    Q8_0Kernel() {
        super(GgmlType.Q8_0);
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
        for (int b = 0; b < nb; b++) {
            long p = offset + (long) b * Q8_0.BLOCK_BYTES;
            float dw = Float.float16ToFloat(weights.get(Q8_0.F16, p));
            int xo = b * Q8_0.QK;
            int s = 0;
            for (int j = 0; j < Q8_0.QK; j++) {
                s += weights.get(ValueLayout.JAVA_BYTE, p + 2 + j) * x.quant(xo + j);
            }
            sum += s * (dw * x.scale(b));
        }
        return sum;
    }
}
