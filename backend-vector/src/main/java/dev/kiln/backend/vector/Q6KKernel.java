package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K: 210-byte super-blocks of 256 values: ql[128] (low 4 bits), qh[64] (high 2 bits),
 * int8 scales[16] (one per 16 values), f16 d last. Each 128-value half uses 64 ql and 32 qh
 * bytes; for 16-byte chunk c the four 16-value groups at 0, 32, 64 and 96 take the low/high
 * nibbles of ql[c], ql[32 + c] and bit pairs 0-1, 2-3, 4-5, 6-7 of qh[c]. A value is
 * d·scale·(q − 32). In token generation the six-bit values are assembled after widening to
 * 16-bit lanes (x86 has no byte shifts: assembling on bytes was 25 % slower).
 */
final class Q6KKernel extends RowKernel {

    static final int BLOCK = 256;
    static final int BYTES = 210;

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    Q6KKernel(Lanes lanes) {
        super(lanes);
    }

    private static float scale(MemorySegment w, long b, int i) {
        return w.get(ValueLayout.JAVA_BYTE, b + 192 + i);
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
     * Integer dot products on Q8_K-rounded activations, as ggml's {@code vec_dot_q6_K_q8_K} and
     * the plugin: (q − 32) × int8 in 16-bit lanes (|product| ≤ 32·127), widened and multiplied
     * by each 16-value group's int8 scale in int32 (|lane| ≤ 16·32·127·128, no overflow), one
     * float FMA by d·d_x per super-block (as ggml's AVX2 path; +14 % measured over a float FMA per
     * group).
     */
    // One flat method with the super-block loop inside (see Q4KKernel.dot). The four groups of a
    // chunk are written out with constant shifts: variable byte-shift counts compile poorly.
    @Override
    float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared) {
        return dot(w, offset, n, prepared instanceof Q8KActivations q ? q : Q8KActivations.of(x, xOffset, n));
    }

    // The kernel proper, without the unprepared fallback, and with no helper methods of ours: C2
    // refused to inline a small load helper once the kernel's nodes passed NodeCountInliningCutoff
    // (the JDK's own @ForceInline vector methods are exempt), and each un-inlined load ran the
    // segment's liveness check as a call: Q6_K ran at a third of its speed inside a model.
    private float dot(MemorySegment w, long offset, int n, Q8KActivations a) {
        VectorSpecies<Float> f = lanes.floats();
        VectorSpecies<Short> s = lanes.shorts();
        VectorSpecies<Integer> i32 = lanes.ints();
        int step = f.length();
        short[] xq = a.qs;
        FloatVector acc = FloatVector.zero(f);
        for (int k = 0; k < n / BLOCK; k++) {
            long b = offset + (long) k * BYTES;
            // scales and d through vector loads and lane extraction: scalar segment reads here left
            // the segment liveness check un-inlined in C2's code (JFR: ~20 % of Q4_K_M decoding)
            LongVector scales16 = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 192, ByteOrder.LITTLE_ENDIAN).reinterpretAsLongs();
            long scLo = scales16.lane(0); // int8 scales 0-7 and 8-15
            long scHi = scales16.lane(1);
            float d = Float.float16ToFloat(ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 194, ByteOrder.LITTLE_ENDIAN).reinterpretAsShorts().lane(7)) * a.d[k];
            IntVector isum = IntVector.zero(i32);
            for (int t = 0; t < 4; t++) { // 16-byte chunk c of 128-value half h
                int h = t >> 1;
                int c = t & 1;
                long scales = h == 0 ? scLo : scHi;
                ByteVector qh = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 128 + 32L * h + 16L * c, ByteOrder.LITTLE_ENDIAN);
                ByteVector qlA = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 64L * h + 16L * c, ByteOrder.LITTLE_ENDIAN);
                ByteVector qlB = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 64L * h + 32 + 16L * c, ByteOrder.LITTLE_ENDIAN);
                int xo = k * BLOCK + 128 * h + 16 * c;
                int s0 = (byte) (scales >>> (8 * c));
                int s1 = (byte) (scales >>> (8 * c + 16));
                int s2 = (byte) (scales >>> (8 * c + 32));
                int s3 = (byte) (scales >>> (8 * c + 48));
                for (int p = 0; p < 16 / step; p++) {
                    int xp = xo + p * step;
                    // widen first: 16-bit lanes have real shifts (byte shifts are emulated on x86)
                    ShortVector h16 = (ShortVector) qh.convertShape(VectorOperators.ZERO_EXTEND_B2S, s, p);
                    ShortVector a16 = (ShortVector) qlA.convertShape(VectorOperators.ZERO_EXTEND_B2S, s, p);
                    ShortVector b16 = (ShortVector) qlB.convertShape(VectorOperators.ZERO_EXTEND_B2S, s, p);
                    ShortVector p0 = a16.and((short) 0x0F).or(h16.and((short) 0x03).lanewise(VectorOperators.LSHL, 4))
                            .sub((short) 32).mul(ShortVector.fromArray(s, xq, xp));
                    ShortVector p1 = b16.and((short) 0x0F).or(h16.and((short) 0x0C).lanewise(VectorOperators.LSHL, 2))
                            .sub((short) 32).mul(ShortVector.fromArray(s, xq, xp + 32));
                    ShortVector p2 = a16.lanewise(VectorOperators.LSHR, 4).or(h16.and((short) 0x30))
                            .sub((short) 32).mul(ShortVector.fromArray(s, xq, xp + 64));
                    ShortVector p3 = b16.lanewise(VectorOperators.LSHR, 4).or(h16.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                            .sub((short) 32).mul(ShortVector.fromArray(s, xq, xp + 96));
                    isum = isum.add(((IntVector) p0.convertShape(VectorOperators.S2I, i32, 0)).mul(s0))
                            .add(((IntVector) p1.convertShape(VectorOperators.S2I, i32, 0)).mul(s1))
                            .add(((IntVector) p2.convertShape(VectorOperators.S2I, i32, 0)).mul(s2))
                            .add(((IntVector) p3.convertShape(VectorOperators.S2I, i32, 0)).mul(s3));
                }
            }
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(f, d), acc);
        }
        return LaneMath.sum(acc);
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
        float d = half(w, b + 208);
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 2; c++) {
                ByteVector qh = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 128 + 32L * h + 16L * c, ByteOrder.LITTLE_ENDIAN);
                int yo = y + 128 * h + 16 * c;
                for (int g = 0; g < 4; g++) {
                    ByteVector low = ByteVector.fromMemorySegment(Lanes.BYTES, w, b + 64L * h + 32L * (g & 1) + 16L * c, ByteOrder.LITTLE_ENDIAN)
                            .lanewise(VectorOperators.LSHR, 4 * (g >> 1)).and((byte) 0x0F);
                    ByteVector q = low.or(qh.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 3)
                            .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    FloatVector s = FloatVector.broadcast(f, d * scale(w, b, 8 * h + c + 2 * g));
                    for (int p = 0; p < 16 / step; p++) {
                        ((FloatVector) q.convertShape(VectorOperators.B2F, f, p)).mul(s).intoArray(dst, yo + 32 * g + p * step);
                    }
                }
            }
        }
    }
}
