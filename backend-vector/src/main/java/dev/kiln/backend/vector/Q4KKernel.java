package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K: 144-byte super-blocks of 256 values: f16 d, f16 dmin, 12 bytes packing eight 6-bit
 * (scale, min) pairs, 128 nibble bytes. Each 64 values use 32 bytes: low nibbles are group
 * 2j (scale d·sc, min dmin·m), high nibbles group 2j+1; a value is d·sc·q − dmin·m. The min
 * term is Σ dmin·m·Σx per 32-value group, so the kernel takes the activation's group sums once
 * per multiplication instead of subtracting per weight.
 */
final class Q4KKernel extends RowKernel {

    static final int BLOCK = 256;
    static final int BYTES = 144;

    Q4KKernel(Lanes lanes) {
        super(lanes);
    }

    /** Six-bit scale (what = 0) or min (what = 1) of group {@code j} from the 12 packed bytes at {@code s}. */
    static int scaleMin(MemorySegment w, long s, int j, int what) {
        if (j < 4) {
            return byteAt(w, s + j + 4L * what) & 63;
        }
        int packed = byteAt(w, s + j + 4);
        int high = byteAt(w, s + j - 4 + 4L * what) >>> 6;
        return (what == 0 ? packed & 0xF : packed >>> 4) | (high << 4);
    }

    private static int byteAt(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    @Override
    Object prepare(float[] x, int xOffset, int n) {
        return groupSums(x, xOffset, n);
    }

    @Override
    float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared) {
        float[] sums = prepared instanceof float[] s ? s : groupSums(x, xOffset, n);
        VectorSpecies<Float> f = lanes.floats();
        FloatVector acc = FloatVector.zero(f);
        float mins = 0;
        for (int k = 0; k < n / BLOCK; k++) {
            long b = offset + (long) k * BYTES;
            float d = half(w, b);
            float dmin = half(w, b + 2);
            int xb = xOffset + k * BLOCK;
            for (int j = 0; j < 4; j++) {
                long q = b + 16 + 32L * j;
                ByteVector qa = ByteVector.fromMemorySegment(Lanes.BYTES, w, q, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(Lanes.BYTES, w, q + 16, ByteOrder.LITTLE_ENDIAN);
                int g = 2 * j;
                FloatVector lo = Bytes16.mul(lanes, qa.and((byte) 0x0F), x, xb + 64 * j);
                lo = Bytes16.fma(lanes, qb.and((byte) 0x0F), x, xb + 64 * j + 16, lo);
                FloatVector hi = Bytes16.mul(lanes, qa.lanewise(VectorOperators.LSHR, 4), x, xb + 64 * j + 32);
                hi = Bytes16.fma(lanes, qb.lanewise(VectorOperators.LSHR, 4), x, xb + 64 * j + 48, hi);
                acc = lo.fma(FloatVector.broadcast(f, d * scaleMin(w, b + 4, g, 0)), acc);
                acc = hi.fma(FloatVector.broadcast(f, d * scaleMin(w, b + 4, g + 1, 0)), acc);
                int sg = (xb - xOffset) / 32 + g;
                mins += dmin * scaleMin(w, b + 4, g, 1) * sums[sg] + dmin * scaleMin(w, b + 4, g + 1, 1) * sums[sg + 1];
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) - mins;
    }

    @Override
    void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        for (int k = 0; k < n / BLOCK; k++) {
            long b = offset + (long) k * BYTES;
            float d = half(w, b);
            float dmin = half(w, b + 2);
            int y = dstOffset + k * BLOCK;
            for (int j = 0; j < 4; j++) {
                long q = b + 16 + 32L * j;
                ByteVector qa = ByteVector.fromMemorySegment(Lanes.BYTES, w, q, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(Lanes.BYTES, w, q + 16, ByteOrder.LITTLE_ENDIAN);
                int g = 2 * j;
                float d1 = d * scaleMin(w, b + 4, g, 0);
                float m1 = dmin * scaleMin(w, b + 4, g, 1);
                float d2 = d * scaleMin(w, b + 4, g + 1, 0);
                float m2 = dmin * scaleMin(w, b + 4, g + 1, 1);
                Bytes16.decode(lanes, qa.and((byte) 0x0F), d1, m1, dst, y + 64 * j);
                Bytes16.decode(lanes, qb.and((byte) 0x0F), d1, m1, dst, y + 64 * j + 16);
                Bytes16.decode(lanes, qa.lanewise(VectorOperators.LSHR, 4), d2, m2, dst, y + 64 * j + 32);
                Bytes16.decode(lanes, qb.lanewise(VectorOperators.LSHR, 4), d2, m2, dst, y + 64 * j + 48);
            }
        }
    }
}
