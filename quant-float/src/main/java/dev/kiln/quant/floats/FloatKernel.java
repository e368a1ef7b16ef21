package dev.kiln.quant.floats;

import dev.kiln.toolkit.quant.BlockDotKernel;
import java.lang.foreign.MemorySegment;

/**
 * Float weights times activations rounded to the weight type (a no-op for F32). Products of
 * two F16 or two BF16 values are exact in float; they are summed in double, like ggml's
 * generic {@code ggml_vec_dot_f16}/{@code _bf16} do.
 */
final class FloatKernel extends BlockDotKernel<float[]> {
    private final FloatElementType type;

    FloatKernel(FloatElementType type) {
        super(type.ggmlType());
        this.type = type;
    }

    @Override
    protected float[] prepareChecked(float[] x, int offset, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = type.round(x[offset + i]);
        }
        return out;
    }

    @Override
    protected int preparedCount(float[] x) {
        return x.length;
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, float[] x, int count) {
        return (float) type.dotChecked(weights, offset, x, count);
    }
}
