package dev.kiln.examples.q5_0;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The portable dot product, as ggml's {@code vec_dot_q5_0_q8_0}: the activations rounded to
 * Q8_0 blocks (the toolkit's {@link Q8_0Activations}, llama.cpp's rounding), then per block an
 * integer sum of (5-bit code - 16) × int8 activation, scaled by both blocks' scales. Plain Java,
 * so it runs on every backend; the toolkit's base class checks every argument.
 */
final class Q5_0Kernel extends BlockDotKernel<Q8_0Activations> {

    Q5_0Kernel() {
        super(GgmlType.Q5_0);
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
    protected float dotBlocks(MemorySegment weights, long offset, Q8_0Activations x, int blocks) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * Q5_0.BYTES;
            int qh = weights.get(Q5_0.U32, at + 2);
            int xo = b * Q5_0.BLOCK;
            int s = 0;
            for (int j = 0; j < Q5_0.BLOCK / 2; j++) {
                int q = weights.get(ValueLayout.JAVA_BYTE, at + 6 + j) & 0xFF;
                int low = (q & 0x0F) | (((qh >>> j) & 1) << 4);
                int high = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
                s += (low - 16) * x.quant(xo + j) + (high - 16) * x.quant(xo + j + 16);
            }
            sum += s * (Float.float16ToFloat(weights.get(Q5_0.F16, at)) * x.scale(b));
        }
        return sum;
    }
}
