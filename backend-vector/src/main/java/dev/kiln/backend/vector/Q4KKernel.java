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
        float sum = 0;
        for (int k = 0; k < n / BLOCK; k++) {
            sum += superBlock(w, offset + (long) k * BYTES, x, xOffset + k * BLOCK, sums, k * 8);
        }
        return sum;
    }

    // One super-block per call, reduced to a float: keeps each compiled body small enough for C2
    // to inline every Vector API call (its node-count and depth limits otherwise leave boxed vectors).
    private float superBlock(MemorySegment w, long b, float[] x, int xb, float[] sums, int group0) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        float d = half(w, b);
        float dmin = half(w, b + 2);
        FloatVector acc = FloatVector.zero(f);
        float mins = 0;
        for (int j = 0; j < 4; j++) {
            long q = b + 16 + 32L * j;
            int xo = xb + 64 * j;
            ByteVector qa = ByteVector.fromMemorySegment(Lanes.BYTES, w, q, ByteOrder.LITTLE_ENDIAN);
            ByteVector qb = ByteVector.fromMemorySegment(Lanes.BYTES, w, q + 16, ByteOrder.LITTLE_ENDIAN);
            ByteVector la = qa.and((byte) 0x0F);
            ByteVector lb = qb.and((byte) 0x0F);
            ByteVector ha = qa.lanewise(VectorOperators.LSHR, 4);
            ByteVector hb = qb.lanewise(VectorOperators.LSHR, 4);
            FloatVector lo = FloatVector.zero(f);
            FloatVector hi = FloatVector.zero(f);
            for (int p = 0; p < 16 / step; p++) {
                lo = ((FloatVector) la.convertShape(VectorOperators.B2F, f, p)).fma(FloatVector.fromArray(f, x, xo + p * step), lo);
                lo = ((FloatVector) lb.convertShape(VectorOperators.B2F, f, p)).fma(FloatVector.fromArray(f, x, xo + 16 + p * step), lo);
                hi = ((FloatVector) ha.convertShape(VectorOperators.B2F, f, p)).fma(FloatVector.fromArray(f, x, xo + 32 + p * step), hi);
                hi = ((FloatVector) hb.convertShape(VectorOperators.B2F, f, p)).fma(FloatVector.fromArray(f, x, xo + 48 + p * step), hi);
            }
            int g = 2 * j;
            acc = lo.fma(FloatVector.broadcast(f, d * scaleMin(w, b + 4, g, 0)), acc);
            acc = hi.fma(FloatVector.broadcast(f, d * scaleMin(w, b + 4, g + 1, 0)), acc);
            mins += dmin * scaleMin(w, b + 4, g, 1) * sums[group0 + g]
                    + dmin * scaleMin(w, b + 4, g + 1, 1) * sums[group0 + g + 1];
        }
        return acc.reduceLanes(VectorOperators.ADD) - mins;
    }

    @Override
    void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        for (int k = 0; k < n / BLOCK; k++) {
            decodeSuperBlock(w, offset + (long) k * BYTES, dst, dstOffset + k * BLOCK);
        }
    }

    private void decodeSuperBlock(MemorySegment w, long b, float[] dst, int y) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        float d = half(w, b);
        float dmin = half(w, b + 2);
        for (int j = 0; j < 4; j++) {
            long q = b + 16 + 32L * j;
            int g = 2 * j;
            FloatVector d1 = FloatVector.broadcast(f, d * scaleMin(w, b + 4, g, 0));
            FloatVector m1 = FloatVector.broadcast(f, -dmin * scaleMin(w, b + 4, g, 1));
            FloatVector d2 = FloatVector.broadcast(f, d * scaleMin(w, b + 4, g + 1, 0));
            FloatVector m2 = FloatVector.broadcast(f, -dmin * scaleMin(w, b + 4, g + 1, 1));
            for (int half = 0; half < 2; half++) {
                ByteVector qv = ByteVector.fromMemorySegment(Lanes.BYTES, w, q + 16L * half, ByteOrder.LITTLE_ENDIAN);
                ByteVector lo = qv.and((byte) 0x0F);
                ByteVector hi = qv.lanewise(VectorOperators.LSHR, 4);
                int yo = y + 64 * j + 16 * half;
                for (int p = 0; p < 16 / step; p++) {
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, f, p)).fma(d1, m1).intoArray(dst, yo + p * step);
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, f, p)).fma(d2, m2).intoArray(dst, yo + 32 + p * step);
                }
            }
        }
    }
}
