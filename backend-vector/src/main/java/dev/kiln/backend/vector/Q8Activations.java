package dev.kiln.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * An activation row rounded to Q8_0 blocks exactly as the Q4_0/Q8_0 plugins (and ggml-cpu's
 * x86 {@code quantize_row_q8_0}) round it: per 32 values {@code q = rint(x · 127/amax)}, ties to
 * even, scale {@code amax/127} rounded to f16. Values are kept widened to {@code short} because
 * the integer kernels multiply in 16-bit lanes (int8 × int8 fits; the Vector API has no
 * int8 dot-product instruction).
 */
final class Q8Activations {
    static final int QK = 32;
    /** Adding and subtracting 1.5·2^23 rounds a float of magnitude < 2^22 to an integer, ties to even. */
    private static final float RINT = 12582912f;

    final short[] qs;
    final float[] d;

    private Q8Activations(short[] qs, float[] d) {
        this.qs = qs;
        this.d = d;
    }

    /** {@code x[offset .. offset + count)} rounded to Q8_0 blocks, vectorized at {@code lanes}. */
    static Q8Activations of(float[] x, int offset, int count, Lanes lanes) {
        VectorSpecies<Float> f = lanes.floats();
        VectorSpecies<Short> s = lanes.shorts();
        int step = f.length();
        int nb = count / QK;
        short[] qs = new short[nb * QK];
        float[] d = new float[nb];
        FloatVector rint = FloatVector.broadcast(f, RINT);
        for (int b = 0; b < nb; b++) {
            int base = offset + b * QK;
            FloatVector m = FloatVector.zero(f);
            for (int p = 0; p < QK / step; p++) {
                m = m.max(FloatVector.fromArray(f, x, base + p * step).abs());
            }
            float amax = m.reduceLanes(VectorOperators.MAX);
            d[b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            FloatVector id = FloatVector.broadcast(f, amax != 0f ? 127f / amax : 0f);
            for (int p = 0; p < QK / step; p++) {
                FloatVector r = FloatVector.fromArray(f, x, base + p * step).mul(id).add(rint).sub(rint);
                ((ShortVector) r.convertShape(VectorOperators.F2S, s, 0)).intoArray(qs, b * QK + p * step);
            }
        }
        return new Q8Activations(qs, d);
    }

    /** The Q8_0-rounded values q·d of {@code x[offset .. offset + count)}. */
    static float[] round(float[] x, int offset, int count, Lanes lanes) {
        Q8Activations a = of(x, offset, count, lanes);
        float[] r = new float[count];
        for (int i = 0; i < count; i++) {
            r[i] = a.qs[i] * a.d[i / QK];
        }
        return r;
    }
}
