package dev.kiln.quant.floats;

import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantException;
import java.lang.foreign.MemorySegment;

/**
 * Float weights times activations rounded to the weight type (a no-op for F32). Products of
 * two F16 or two BF16 values are exact in float; they are summed in double, like ggml's
 * generic {@code ggml_vec_dot_f16}/{@code _bf16} do.
 */
final class FloatKernel implements DotKernel<float[]> {
    private final FloatElementType type;

    FloatKernel(FloatElementType type) {
        this.type = type;
    }

    @Override
    public float[] prepare(float[] x, int offset, int count) {
        type.checkCount(count);
        BlockRange.checkArray(type.name(), "activation", x, offset, count);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = type.round(x[offset + i]);
        }
        return out;
    }

    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int count) {
        type.checkCount(count);
        if (x == null || count > x.length) {
            throw new QuantException(type.name() + ": dot over " + count
                    + " elements but the prepared activations hold " + (x == null ? 0 : x.length));
        }
        BlockRange.checkSegment(type.name(), "weight", weights, offset, (long) count * type.width());
        return (float) type.dotChecked(weights, offset, x, count);
    }
}
