package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_K (ggml's {@code block_q5_K}, a plugin type: there is no Q5_K row kernel here, the plugin's
 * {@code vectorKernel()} serves the shapes this layout does not) in the {@link PackedMatrix}
 * layout: 2880 bytes per group of 16 rows and 256-column super-block (16 × 176 = 2816
 * originally, +2.3 %). The group starts with a header of the 16 f16 {@code d} and the 16 f16
 * {@code dmin} per super-block; then per super-block the eight 6-bit scales unpacked to one byte per
 * row (8 × 16 bytes), the eight mins likewise, and for each 64-column chunk {@code c} and each four
 * byte positions {@code i = 4m .. 4m + 3}: 16 bytes of high bits, then per {@code i} 16 bytes of
 * values. Value {@code 64c + i} (5 bits, sub-block {@code 2c}) is the low five bits of row
 * {@code l}'s value byte; value {@code 64c + 32 + i} (sub-block {@code 2c + 1}) has its low three
 * bits in the top three of that byte and its top two in bits {@code 2t, 2t + 1} (t = i % 4) of the
 * row's high-bits byte. So one load and one mask give a first value, four operations the second.
 *
 * <p>Numerics are the plugin's ({@code vec_dot_q5_K_q8_K}): activations rounded to Q8_K, exact
 * integer Σ sc·Σq·x and Σ m·Σx per super-block, two float multiply-adds per super-block.
 */
final class PackedQ5K extends PackedMatrix {

    static final int BLOCK = 256;
    private static final int SOURCE_BYTES = 176;
    /** Per super-block in the group's header: the 16 d, then the 16 dmin. */
    private static final int HEADER_BYTES = 4 * GROUP;
    private static final int SCALES = 0;
    private static final int MINS = SCALES + 8 * GROUP;
    private static final int VALUES = MINS + 8 * GROUP;
    /** Bytes per four byte positions of a chunk: their high bits, then their four value vectors. */
    private static final int QUAD = 5 * GROUP;
    private static final int BODY_BYTES = VALUES + 4 * 8 * QUAD;
    /** Bytes per group per super-block. */
    static final int GROUP_BLOCK_BYTES = HEADER_BYTES + BODY_BYTES;

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    static final Format<PackedQ5K> FORMAT = new Format<>(GgmlType.Q5_K, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ5K::packGroup, PackedQ5K::new);

    private final int blocks;

    private PackedQ5K(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): header, unpacked scales and mins, value and high-bit bytes. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int l = 0; l < GROUP; l++) {
            for (int k = 0; k < blocks; k++) {
                int src = l * rb + k * SOURCE_BYTES;
                int header = k * HEADER_BYTES;
                out[header + 2 * l] = in[src];
                out[header + 2 * l + 1] = in[src + 1];
                out[header + 2 * GROUP + 2 * l] = in[src + 2];
                out[header + 2 * GROUP + 2 * l + 1] = in[src + 3];
                int body = blocks * HEADER_BYTES + k * BODY_BYTES;
                for (int s = 0; s < 8; s++) {
                    out[body + SCALES + GROUP * s + l] = (byte) PackedQ4K.scaleMin(in, src + 4, s, 0);
                    out[body + MINS + GROUP * s + l] = (byte) PackedQ4K.scaleMin(in, src + 4, s, 1);
                }
                for (int c = 0; c < 4; c++) {
                    for (int i = 0; i < 32; i++) {
                        int q = in[src + 48 + 32 * c + i] & 0xFF;
                        int h = in[src + 16 + i] & 0xFF;
                        int lo = (q & 0xF) | (((h >>> (2 * c)) & 1) << 4);
                        int hi = (q >>> 4) | (((h >>> (2 * c + 1)) & 1) << 4);
                        int quad = body + VALUES + QUAD * (8 * c + i / 4);
                        out[quad + GROUP * (1 + i % 4) + l] = (byte) (lo | (hi << 5));
                        out[quad + l] |= (byte) ((hi >>> 3) << (2 * (i % 4)));
                    }
                }
            }
        }
    }

    @Override
    Q8KActivations prepare(float[] x) {
        return Q8KActivations.of(x, 0, columns);
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8KActivations.round(x, offset, n);
    }

    @Override
    int scratchFloats() {
        return 2 * GROUP * blocks;
    }

    /**
     * Token generation on Q8_K-rounded activations: eight byte positions per pass, so that the sums
     * of eight products of at most 31·127 fit int16; then widened and scaled in int32.
     */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scales, float[] out, int outOffset) {
        Q8KActivations a = (Q8KActivations) prepared;
        short[] qs = a.qs;
        float[] dx = a.d;
        int[] sums = a.sums32;
        MemorySegment w = data;
        int nb = blocks;
        for (int g = g0; g < g1; g++) {
            superBlockScales(g, scales);
            FloatVector acc = FloatVector.zero(F);
            FloatVector minAcc = FloatVector.zero(F);
            long body = (long) g * nb * GROUP_BLOCK_BYTES + (long) nb * HEADER_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = body + (long) k * BODY_BYTES;
                IntVector isum = IntVector.zero(I);
                for (int h = 0; h < 16; h++) { // chunk c = h >> 2, byte positions 8·(h & 3) .. + 7
                    int c = h >> 2;
                    long q = base + VALUES + 2L * QUAD * h; // affine in h: C2 hoists the bounds checks
                    int x = k * BLOCK + 64 * c + 8 * (h & 3);
                    ShortVector lo = ShortVector.zero(S);
                    ShortVector hi = ShortVector.zero(S);
                    for (int u = 0; u < 2; u++) {
                        long at = q + (long) QUAD * u;
                        int xu = x + 4 * u;
                        ShortVector top = (ShortVector) ByteVector.fromMemorySegment(B, w, at, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(B, w, at + GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v0.and((short) 0x1F).mul(ShortVector.broadcast(S, qs[xu])));
                        hi = hi.add(v0.lanewise(VectorOperators.LSHR, 5).or(top.lanewise(VectorOperators.LSHL, 3).and((short) 0x18))
                                .mul(ShortVector.broadcast(S, qs[xu + 32])));
                        ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(B, w, at + 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v1.and((short) 0x1F).mul(ShortVector.broadcast(S, qs[xu + 1])));
                        hi = hi.add(v1.lanewise(VectorOperators.LSHR, 5).or(top.lanewise(VectorOperators.LSHL, 1).and((short) 0x18))
                                .mul(ShortVector.broadcast(S, qs[xu + 33])));
                        ShortVector v2 = (ShortVector) ByteVector.fromMemorySegment(B, w, at + 3 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v2.and((short) 0x1F).mul(ShortVector.broadcast(S, qs[xu + 2])));
                        hi = hi.add(v2.lanewise(VectorOperators.LSHR, 5).or(top.lanewise(VectorOperators.LSHR, 1).and((short) 0x18))
                                .mul(ShortVector.broadcast(S, qs[xu + 34])));
                        ShortVector v3 = (ShortVector) ByteVector.fromMemorySegment(B, w, at + 4 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v3.and((short) 0x1F).mul(ShortVector.broadcast(S, qs[xu + 3])));
                        hi = hi.add(v3.lanewise(VectorOperators.LSHR, 5).or(top.lanewise(VectorOperators.LSHR, 3).and((short) 0x18))
                                .mul(ShortVector.broadcast(S, qs[xu + 35])));
                    }
                    IntVector scLo = (IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + 2L * GROUP * c, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector scHi = (IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + 2L * GROUP * c + GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    isum = isum.add(((IntVector) lo.convertShape(VectorOperators.S2I, I, 0)).mul(scLo))
                            .add(((IntVector) hi.convertShape(VectorOperators.S2I, I, 0)).mul(scHi));
                }
                IntVector msum = IntVector.zero(I);
                for (int s = 0; s < 8; s++) {
                    msum = msum.add(((IntVector) ByteVector.fromMemorySegment(B, w, base + MINS + (long) GROUP * s, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(sums[k * 8 + s]));
                }
                FloatVector d = FloatVector.fromArray(F, scales, 2 * GROUP * k);
                FloatVector dmin = FloatVector.fromArray(F, scales, 2 * GROUP * k + GROUP);
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(dx[k]), acc);
                minAcc = ((FloatVector) msum.convert(VectorOperators.I2F, 0)).fma(dmin.mul(dx[k]), minAcc);
            }
            acc.sub(minAcc).intoArray(out, outOffset + g * GROUP);
        }
    }

    /** d·sc·q − dmin·m, column-major, rounded as the plugin's decoder ((d·sc)·q, then − dmin·m). */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long body = (long) g * nb * GROUP_BLOCK_BYTES + (long) nb * HEADER_BYTES;
        float[] scales = new float[2 * GROUP * nb];
        superBlockScales(g, scales);
        for (int k = 0; k < nb; k++) {
            long base = body + (long) k * BODY_BYTES;
            FloatVector d = FloatVector.fromArray(F, scales, 2 * GROUP * k);
            FloatVector dmin = FloatVector.fromArray(F, scales, 2 * GROUP * k + GROUP);
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = d.mul(byteFloats(w, base + SCALES + 2L * GROUP * c));
                FloatVector d2 = d.mul(byteFloats(w, base + SCALES + 2L * GROUP * c + GROUP));
                FloatVector m1 = dmin.mul(byteFloats(w, base + MINS + 2L * GROUP * c));
                FloatVector m2 = dmin.mul(byteFloats(w, base + MINS + 2L * GROUP * c + GROUP));
                int col = k * BLOCK + 64 * c;
                for (int i = 0; i < 32; i++) {
                    long quad = base + VALUES + (long) QUAD * (8 * c + i / 4);
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(B, w, quad + (long) GROUP * (1 + i % 4), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector top = (IntVector) ByteVector.fromMemorySegment(B, w, quad, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector high = v.lanewise(VectorOperators.LSHR, 5)
                            .or(top.lanewise(VectorOperators.LSHR, 2 * (i % 4)).and(3).lanewise(VectorOperators.LSHL, 3));
                    ((FloatVector) v.and(0x1F).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1)
                            .intoArray(dst, dstOffset + (col + i) * stride);
                    ((FloatVector) high.convert(VectorOperators.I2F, 0)).mul(d2).sub(m2)
                            .intoArray(dst, dstOffset + (col + 32 + i) * stride);
                }
            }
        }
    }

    /** The 16 unsigned bytes at {@code at} as floats. */
    private static FloatVector byteFloats(MemorySegment w, long at) {
        return (FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).convert(VectorOperators.I2F, 0);
    }

    /** Group {@code g}'s f16 d and dmin as floats: {@code dst[32k .. 32k + 16)} and {@code dst[32k + 16 .. 32k + 32)} for super-block {@code k}. */
    private void superBlockScales(int g, float[] dst) {
        long header = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int i = 0; i < 2 * blocks; i++) {
            halvesToFloats(header + (long) GROUP * 2 * i, dst, GROUP * i);
        }
    }
}
