package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0: 18-byte blocks of an f16 scale and 16 bytes whose low nibbles are elements 0-15 and
 * high nibbles 16-31, each value (q - 8) · d. The nibbles are split and re-centred on the
 * 16-byte vector (cheap 128-bit ops) before widening to floats.
 */
final class Q4_0Kernel extends RowKernel {

    static final int BLOCK = 32;
    static final int BYTES = 18;

    Q4_0Kernel(Lanes lanes) {
        super(lanes);
    }

    private FloatVector block(MemorySegment w, long b, float[] x, int xo, FloatVector acc) {
        VectorSpecies<Float> f = lanes.floats();
        ByteVector q = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 2, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
        ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
        FloatVector t = Bytes16.mul(lanes, lo, x, xo);
        t = Bytes16.fma(lanes, hi, x, xo + 16, t);
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
            ByteVector q = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 2, ByteOrder.LITTLE_ENDIAN);
            Bytes16.decode(lanes, q.and((byte) 0x0F).sub((byte) 8), d, 0f, dst, dstOffset + k * BLOCK);
            Bytes16.decode(lanes, q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8), d, 0f, dst,
                    dstOffset + k * BLOCK + 16);
        }
    }
}
