package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0: 18-byte blocks of an f16 scale and 16 bytes whose low nibbles are elements 0-15 and
 * high nibbles 16-31, each value (q - 8) · d. The nibbles are split and re-centred on the
 * 16-byte vector (cheap 128-bit ops) before widening. Token generation multiplies in integers
 * (see {@link #dot}); prompt processing decodes rows to floats and multiplies them with the same
 * Q8_0-rounded activations, so both agree with the plugin's kernel within float rounding.
 */
final class Q4_0Kernel extends RowKernel {

    static final int BLOCK = 32;
    static final int BYTES = 18;

    Q4_0Kernel(Lanes lanes) {
        super(lanes);
    }

    @Override
    Object prepare(float[] x, int xOffset, int n) {
        return Q8Activations.of(x, xOffset, n, lanes);
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8Activations.round(x, offset, n, lanes);
    }

    /**
     * Integer dot products on Q8_0-rounded activations, as ggml's {@code vec_dot_q4_0_q8_0}: the
     * re-centred nibbles are widened to 16-bit lanes and multiplied with the activation bytes
     * (also 16-bit), low and high halves added (|sum| ≤ 2·8·127, no overflow), and each block's
     * lane sums scaled by d_w·d_x into a float accumulator. Kept flat (no helper calls holding
     * vectors): C2 must inline every Vector API call to emit SIMD code.
     */
    @Override
    float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared) {
        Q8Activations a = prepared instanceof Q8Activations q ? q : Q8Activations.of(x, xOffset, n, lanes);
        VectorSpecies<Float> f = lanes.floats();
        VectorSpecies<Short> s = lanes.shorts();
        VectorSpecies<Integer> i32 = lanes.ints();
        int step = f.length();
        short[] xq = a.qs;
        FloatVector acc = FloatVector.zero(f);
        int blocks = n / BLOCK;
        for (int k = 0; k < blocks; k++) {
            long b = offset + (long) k * BYTES;
            int xo = k * BLOCK;
            ByteVector q = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 2, ByteOrder.LITTLE_ENDIAN);
            FloatVector scale = FloatVector.broadcast(f, half(w, b) * a.d[k]);
            for (int p = 0; p < 16 / step; p++) {
                // widen once, split nibbles in 16-bit lanes (measured faster than splitting bytes first)
                ShortVector qs = (ShortVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2S, s, p);
                ShortVector lo = qs.and((short) 0x0F).sub((short) 8);
                ShortVector hi = qs.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
                ShortVector prod = lo.mul(ShortVector.fromArray(s, xq, xo + p * step))
                        .add(hi.mul(ShortVector.fromArray(s, xq, xo + 16 + p * step)));
                // S2I then I2F: measured faster than one S2F conversion
                IntVector sum = (IntVector) prod.convertShape(VectorOperators.S2I, i32, 0);
                acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(scale, acc);
            }
        }
        return LaneMath.sum(acc);
    }

    @Override
    void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        for (int k = 0; k < n / BLOCK; k++) {
            long b = offset + (long) k * BYTES;
            int y = dstOffset + k * BLOCK;
            FloatVector d = FloatVector.broadcast(f, half(w, b));
            ByteVector q = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            for (int p = 0; p < 16 / step; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, f, p)).mul(d).intoArray(dst, y + p * step);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, f, p)).mul(d).intoArray(dst, y + 16 + p * step);
            }
        }
    }
}
