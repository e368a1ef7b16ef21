package dev.kiln.examples.q5_0;

import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.api.quant.DotKernel;
import java.lang.foreign.MemorySegment;

/**
 * The portable dot product: decode a block of weights, multiply-add with float activations.
 * Plain Java, so it runs on every backend (the vector backend uses it too, having no Q5_0
 * kernel of its own).
 */
final class Q5_0Kernel implements DotKernel<float[]> {

    @Override
    public float[] prepare(float[] x, int offset, int count) {
        BlockRange.blocks("Q5_0", count, Q5_0.BLOCK);
        BlockRange.checkArray("Q5_0", "activation", x, offset, count);
        float[] copy = new float[count];
        System.arraycopy(x, offset, copy, 0, count);
        return copy;
    }

    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int count) {
        int blocks = BlockRange.blocks("Q5_0", count, Q5_0.BLOCK);
        BlockRange.checkSegment("Q5_0", "weight", weights, offset, (long) blocks * Q5_0.BYTES);
        if (count > x.length) {
            throw new dev.kiln.api.quant.QuantException("Q5_0 dot over " + count + " elements, " + x.length + " prepared");
        }
        float[] w = new float[Q5_0.BLOCK];
        float sum = 0;
        for (int b = 0; b < count / Q5_0.BLOCK; b++) {
            Q5_0.decodeBlock(weights, offset + (long) b * Q5_0.BYTES, w, 0);
            float blockSum = 0;
            for (int j = 0; j < Q5_0.BLOCK; j++) {
                blockSum += w[j] * x[b * Q5_0.BLOCK + j];
            }
            sum += blockSum;
        }
        return sum;
    }
}
