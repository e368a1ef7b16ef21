package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K: 210-byte super-blocks of 256 values: ql[128] (low 4 bits), qh[64] (high 2 bits),
 * int8 scales[16] (one per 16 values), f16 d last. Each 128-value half uses 64 ql and 32 qh
 * bytes; for 16-byte chunk c the four 16-value groups at 0, 32, 64 and 96 take the low/high
 * nibbles of ql[c], ql[32 + c] and bit pairs 0-1, 2-3, 4-5, 6-7 of qh[c]. A value is
 * d·scale·(q − 32). The six-bit values are assembled on the 16-byte vector.
 */
final class Q6KKernel extends RowKernel {

    static final int BLOCK = 256;
    static final int BYTES = 210;

    Q6KKernel(Lanes lanes) {
        super(lanes);
    }

    private static ByteVector load(MemorySegment w, long at) {
        return ByteVector.fromMemorySegment(Lanes.BYTES, w, at, ByteOrder.LITTLE_ENDIAN);
    }

    /** The four 16-value groups (offsets 0, 32, 64, 96 of the half) from one 16-byte chunk. */
    private static ByteVector group(ByteVector qlA, ByteVector qlB, ByteVector qh, int which) {
        ByteVector low = switch (which) {
            case 0 -> qlA.and((byte) 0x0F);
            case 1 -> qlB.and((byte) 0x0F);
            case 2 -> qlA.lanewise(VectorOperators.LSHR, 4);
            default -> qlB.lanewise(VectorOperators.LSHR, 4);
        };
        ByteVector high = qh.lanewise(VectorOperators.LSHR, 2 * which).and((byte) 3).lanewise(VectorOperators.LSHL, 4);
        return low.or(high).sub((byte) 32);
    }

    private static float scale(MemorySegment w, long b, int i) {
        return w.get(ValueLayout.JAVA_BYTE, b + 192 + i);
    }

    @Override
    float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared) {
        VectorSpecies<Float> f = lanes.floats();
        FloatVector a0 = FloatVector.zero(f);
        FloatVector a1 = FloatVector.zero(f);
        for (int k = 0; k < n / BLOCK; k++) {
            long b = offset + (long) k * BYTES;
            float d = half(w, b + 208);
            for (int h = 0; h < 2; h++) {
                for (int c = 0; c < 2; c++) {
                    ByteVector qlA = load(w, b + 64L * h + 16L * c);
                    ByteVector qlB = load(w, b + 64L * h + 32 + 16L * c);
                    ByteVector qh = load(w, b + 128 + 32L * h + 16L * c);
                    int xb = xOffset + k * BLOCK + 128 * h + 16 * c;
                    int s = 8 * h + c;
                    FloatVector t0 = Bytes16.mul(lanes, group(qlA, qlB, qh, 0), x, xb);
                    FloatVector t1 = Bytes16.mul(lanes, group(qlA, qlB, qh, 1), x, xb + 32);
                    FloatVector t2 = Bytes16.mul(lanes, group(qlA, qlB, qh, 2), x, xb + 64);
                    FloatVector t3 = Bytes16.mul(lanes, group(qlA, qlB, qh, 3), x, xb + 96);
                    a0 = t0.fma(FloatVector.broadcast(f, d * scale(w, b, s)), a0);
                    a1 = t1.fma(FloatVector.broadcast(f, d * scale(w, b, s + 2)), a1);
                    a0 = t2.fma(FloatVector.broadcast(f, d * scale(w, b, s + 4)), a0);
                    a1 = t3.fma(FloatVector.broadcast(f, d * scale(w, b, s + 6)), a1);
                }
            }
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        for (int k = 0; k < n / BLOCK; k++) {
            long b = offset + (long) k * BYTES;
            float d = half(w, b + 208);
            for (int h = 0; h < 2; h++) {
                for (int c = 0; c < 2; c++) {
                    ByteVector qlA = load(w, b + 64L * h + 16L * c);
                    ByteVector qlB = load(w, b + 64L * h + 32 + 16L * c);
                    ByteVector qh = load(w, b + 128 + 32L * h + 16L * c);
                    int y = dstOffset + k * BLOCK + 128 * h + 16 * c;
                    int s = 8 * h + c;
                    for (int g = 0; g < 4; g++) {
                        Bytes16.decode(lanes, group(qlA, qlB, qh, g), d * scale(w, b, s + 2 * g), 0f, dst, y + 32 * g);
                    }
                }
            }
        }
    }
}
