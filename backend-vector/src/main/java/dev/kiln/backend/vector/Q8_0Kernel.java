package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Q8_0: 34-byte blocks of an f16 scale and 32 int8 values, each q · d. */
final class Q8_0Kernel extends RowKernel {

    static final int BLOCK = 32;
    static final int BYTES = 34;

    Q8_0Kernel(Lanes lanes) {
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
     * Integer dot products on Q8_0-rounded activations, as ggml's {@code vec_dot_q8_0_q8_0}:
     * int8 × int8 in 16-bit lanes (|product| ≤ 128·127), the two halves of a block added in
     * 16 bits (≤ 32512), widened once and added as floats scaled by d_w·d_x (one S2I per half
     * block instead of two: +9 % measured). Flat on purpose, as in Q4_0Kernel.
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
            ByteVector q0 = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector q1 = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 18, ByteOrder.LITTLE_ENDIAN);
            FloatVector scale = FloatVector.broadcast(f, half(w, b) * a.d[k]);
            for (int p = 0; p < 16 / step; p++) {
                ShortVector p0 = ((ShortVector) q0.convertShape(VectorOperators.B2S, s, p))
                        .mul(ShortVector.fromArray(s, xq, xo + p * step));
                ShortVector p1 = ((ShortVector) q1.convertShape(VectorOperators.B2S, s, p))
                        .mul(ShortVector.fromArray(s, xq, xo + 16 + p * step));
                // |q·x| ≤ 128·127, so the sum of two still fits 16 bits: add before the (costly) widening
                IntVector sum = (IntVector) p0.add(p1).convertShape(VectorOperators.S2I, i32, 0);
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
            ByteVector q0 = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector q1 = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 18, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < 16 / step; p++) {
                ((FloatVector) q0.convertShape(VectorOperators.B2F, f, p)).mul(d).intoArray(dst, y + p * step);
                ((FloatVector) q1.convertShape(VectorOperators.B2F, f, p)).mul(d).intoArray(dst, y + 16 + p * step);
            }
        }
    }
}
