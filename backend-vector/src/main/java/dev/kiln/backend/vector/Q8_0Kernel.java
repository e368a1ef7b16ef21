package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Q8_0: 34-byte blocks of an f16 scale and 32 int8 values, each q · d. */
final class Q8_0Kernel extends RowKernel {

    static final int BLOCK = 32;
    static final int BYTES = 34;

    Q8_0Kernel(Lanes lanes) {
        super(lanes);
    }

    private FloatVector block(MemorySegment w, long b, float[] x, int xo, FloatVector acc) {
        VectorSpecies<Float> f = lanes.floats();
        ByteVector q0 = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 2, ByteOrder.LITTLE_ENDIAN);
        ByteVector q1 = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 18, ByteOrder.LITTLE_ENDIAN);
        FloatVector t = Bytes16.mul(lanes, q0, x, xo);
        t = Bytes16.fma(lanes, q1, x, xo + 16, t);
        return t.fma(FloatVector.broadcast(f, half(w, b)), acc);
    }

    @Override
    float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared) {
        VectorSpecies<Float> f = lanes.floats();
        FloatVector a0 = FloatVector.zero(f);
        FloatVector a1 = FloatVector.zero(f);
        int blocks = n / BLOCK;
        int k = 0;
        for (; k + 1 < blocks; k += 2) {
            a0 = block(w, offset + (long) k * BYTES, x, xOffset + k * BLOCK, a0);
            a1 = block(w, offset + (long) (k + 1) * BYTES, x, xOffset + (k + 1) * BLOCK, a1);
        }
        if (k < blocks) {
            a0 = block(w, offset + (long) k * BYTES, x, xOffset + k * BLOCK, a0);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        for (int k = 0; k < n / BLOCK; k++) {
            long b = offset + (long) k * BYTES;
            float d = half(w, b);
            Bytes16.decode(lanes, ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 2, ByteOrder.LITTLE_ENDIAN),
                    d, 0f, dst, dstOffset + k * BLOCK);
            Bytes16.decode(lanes, ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 18, ByteOrder.LITTLE_ENDIAN),
                    d, 0f, dst, dstOffset + k * BLOCK + 16);
        }
    }
}
