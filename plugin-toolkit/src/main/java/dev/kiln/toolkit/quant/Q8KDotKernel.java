package dev.kiln.toolkit.quant;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.activation.Q8KActivations;

/**
 * A {@link BlockDotKernel} on {@link Q8KActivations}, the activation form llama.cpp's CPU backend
 * multiplies the K-quants with: a K-quant type writes only {@link #dotBlocks}.
 */
public abstract class Q8KDotKernel extends BlockDotKernel<Q8KActivations> {

    /** A kernel for weights of {@code type}. */
    protected Q8KDotKernel(GgmlType type) {
        super(type);
    }

    @Override
    protected final Q8KActivations prepareChecked(float[] x, int offset, int count) {
        return Q8KActivations.of(x, offset, count);
    }

    @Override
    protected final int preparedCount(Q8KActivations x) {
        return x.count();
    }
}
