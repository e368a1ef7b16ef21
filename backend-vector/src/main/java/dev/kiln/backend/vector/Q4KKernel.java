package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
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

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Byte> MB = ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> MI = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> MF = FloatVector.SPECIES_256;
    /** Lanes 4-7: groups whose 6-bit min is split over two bytes. */
    private static final VectorMask<Byte> SPLIT = VectorMask.fromValues(MB, false, false, false, false, true, true, true, true);

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
        return Q8KActivations.of(x, xOffset, n);
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8KActivations.round(x, offset, n);
    }

    /**
     * Integer dot products on Q8_K-rounded activations, as ggml's {@code vec_dot_q4_K_q8_K} and
     * the plugin: nibbles × int8 in 16-bit lanes, widened and multiplied by each 32-value
     * group's 6-bit scale in int32 (|lane| ≤ 8·2·15·127·63, no overflow), one float FMA by d·d_x
     * per super-block (as ggml's AVX2 path; +3 % measured over a float FMA per group); the min
     * term from the activations' integer sums per 32, on 8-lane vectors at widths ≥ 256 bits
     * (+20 % measured over the scalar sum).
     */
    // One flat method with the super-block loop inside: split into per-block calls, the
    // segment's liveness check was not inlined and cost a call per access (JFR: 20 % of decode).
    @Override
    float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared) {
        Q8KActivations a = prepared instanceof Q8KActivations q ? q : Q8KActivations.of(x, xOffset, n);
        VectorSpecies<Float> f = lanes.floats();
        VectorSpecies<Short> s = lanes.shorts();
        VectorSpecies<Integer> i32 = lanes.ints();
        int step = f.length();
        short[] xq = a.qs;
        int[] sums = a.sums32;
        FloatVector acc = FloatVector.zero(f);
        float minSum = 0;
        boolean vectorMins = lanes.bits() >= 256;
        FloatVector minAcc = FloatVector.zero(MF);
        for (int k = 0; k < n / BLOCK; k++) {
            long b = offset + (long) k * BYTES;
            float dx = a.d[k];
            int dm = w.get(I32, b); // f16 d and dmin
            float d = Float.float16ToFloat((short) dm) * dx;
            float dmin = Float.float16ToFloat((short) (dm >>> 16)) * dx;
            // the twelve packed bytes as four words of four 6-bit values (ggml's get_scale_min_k4)
            int s0 = w.get(I32, b + 4);
            int s1 = w.get(I32, b + 8);
            int s2 = w.get(I32, b + 12);
            int scLo = s0 & 0x3F3F3F3F;
            int mLo = s1 & 0x3F3F3F3F;
            int scHi = (s2 & 0x0F0F0F0F) | (((s0 >>> 6) & 0x03030303) << 4);
            int mHi = ((s2 >>> 4) & 0x0F0F0F0F) | (((s1 >>> 6) & 0x03030303) << 4);
            int mins = 0;
            IntVector isum = IntVector.zero(i32);
            for (int j = 0; j < 4; j++) {
                long q = b + 16 + 32L * j;
                int xo = k * BLOCK + 64 * j;
                int sc = j < 2 ? scLo : scHi;
                int m = j < 2 ? mLo : mHi;
                int shift = 16 * (j & 1);
                int scA = (sc >>> shift) & 0xFF;
                int scB = (sc >>> (shift + 8)) & 0xFF;
                if (!vectorMins) {
                    mins += ((m >>> shift) & 0xFF) * sums[k * 8 + 2 * j] + ((m >>> (shift + 8)) & 0xFF) * sums[k * 8 + 2 * j + 1];
                }
                ByteVector qa = ByteVector.fromMemorySegment(Lanes.BYTES, w, q, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(Lanes.BYTES, w, q + 16, ByteOrder.LITTLE_ENDIAN);
                for (int p = 0; p < 16 / step; p++) {
                    ShortVector wa = (ShortVector) qa.convertShape(VectorOperators.ZERO_EXTEND_B2S, s, p);
                    ShortVector wb = (ShortVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2S, s, p);
                    ShortVector lo = wa.and((short) 0x0F).mul(ShortVector.fromArray(s, xq, xo + p * step))
                            .add(wb.and((short) 0x0F).mul(ShortVector.fromArray(s, xq, xo + 16 + p * step)));
                    ShortVector hi = wa.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(s, xq, xo + 32 + p * step))
                            .add(wb.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(s, xq, xo + 48 + p * step)));
                    isum = isum.add(((IntVector) lo.convertShape(VectorOperators.S2I, i32, 0)).mul(scA))
                            .add(((IntVector) hi.convertShape(VectorOperators.S2I, i32, 0)).mul(scB));
                }
            }
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(f, d), acc);
            if (vectorMins) {
                // Σ m·sum over the eight groups on 8 lanes (the scalar version cost ~25 % of the kernel):
                // mins 0-3 are the low 6 bits of packed bytes 4-7, mins 4-7 the high nibbles of bytes
                // 8-11 with bits 6-7 of bytes 4-7 on top (ggml's get_scale_min_k4)
                ByteVector hiBytes = ByteVector.fromMemorySegment(MB, w, b + 8, ByteOrder.LITTLE_ENDIAN);
                ByteVector loBytes = ByteVector.fromMemorySegment(MB, w, b + 4, ByteOrder.LITTLE_ENDIAN);
                ByteVector mv = hiBytes.and((byte) 63).blend(hiBytes.lanewise(VectorOperators.LSHR, 4)
                        .or(loBytes.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)), SPLIT);
                IntVector mt = ((IntVector) mv.convertShape(VectorOperators.B2I, MI, 0)).mul(IntVector.fromArray(MI, sums, k * 8));
                minAcc = ((FloatVector) mt.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(MF, dmin), minAcc);
            } else {
                minSum += dmin * mins;
            }
        }
        if (vectorMins) {
            minSum = LaneMath.sum(minAcc);
        }
        return LaneMath.sum(acc) - minSum;
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
