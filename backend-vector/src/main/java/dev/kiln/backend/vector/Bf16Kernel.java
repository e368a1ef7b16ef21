package dev.kiln.backend.vector;

import dev.kiln.toolkit.quant.BFloat16;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** BF16 weights: the top half of a float, so widening to int and shifting left 16 is exact. */
final class Bf16Kernel extends RowKernel {

    Bf16Kernel(Lanes lanes) {
        super(lanes);
    }

    static FloatVector load(Lanes lanes, MemorySegment w, long offset) {
        ShortVector h = ShortVector.fromMemorySegment(lanes.shorts(), w, offset, ByteOrder.LITTLE_ENDIAN);
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, lanes.ints(), 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float scalar(MemorySegment w, long offset) {
        return Float.intBitsToFloat(w.get(F16, offset) << 16);
    }

    /** Activations rounded to BF16, as the plugin and ggml multiply BF16 weights. */
    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = BFloat16.round(x[offset + i]);
        }
        return r;
    }

    @Override
    Object prepare(float[] x, int xOffset, int n) {
        return roundedActivations(x, xOffset, n);
    }

    @Override
    float dot(MemorySegment w, long offset, float[] xIn, int xInOffset, int n, Object prepared) {
        float[] x = prepared instanceof float[] r ? r : roundedActivations(xIn, xInOffset, n);
        int xOffset = 0;
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector a0 = FloatVector.zero(f);
        FloatVector a1 = FloatVector.zero(f);
        int i = 0;
        for (; i + 2 * step <= n; i += 2 * step) {
            a0 = load(lanes, w, offset + 2L * i).fma(FloatVector.fromArray(f, x, xOffset + i), a0);
            a1 = load(lanes, w, offset + 2L * (i + step)).fma(FloatVector.fromArray(f, x, xOffset + i + step), a1);
        }
        for (; i + step <= n; i += step) {
            a0 = load(lanes, w, offset + 2L * i).fma(FloatVector.fromArray(f, x, xOffset + i), a0);
        }
        float sum = LaneMath.sum(a0.add(a1));
        for (; i < n; i++) {
            sum += scalar(w, offset + 2L * i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        int i = 0;
        for (; i + step <= n; i += step) {
            load(lanes, w, offset + 2L * i).intoArray(dst, dstOffset + i);
        }
        for (; i < n; i++) {
            dst[dstOffset + i] = scalar(w, offset + 2L * i);
        }
    }
}
