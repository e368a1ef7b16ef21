package dev.kiln.toolkit.quant;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.activation.WideQ8KActivations;

/**
 * A {@link BlockDotKernel} on {@link WideQ8KActivations} (Q8_K rounding, values widened to
 * {@code short}), for Vector API kernels of the K-quants: the type writes only {@link #dotBlocks}.
 */
public abstract class WideQ8KDotKernel extends BlockDotKernel<WideQ8KActivations> {

    /** A kernel for weights of {@code type}. */
    protected WideQ8KDotKernel(GgmlType type) {
        super(type);
    }

    @Override
    protected final WideQ8KActivations prepareChecked(float[] x, int offset, int count) {
        return WideQ8KActivations.of(x, offset, count);
    }

    @Override
    protected final int preparedCount(WideQ8KActivations x) {
        return x.count();
    }
}
