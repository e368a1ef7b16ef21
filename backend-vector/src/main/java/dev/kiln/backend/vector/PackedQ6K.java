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
 * Q6_K in the {@link PackedMatrix} layout, 3360 bytes per group of 16 rows and 256-column
 * super-block (the size of the 16 originals). The group starts with a header of the 16 f16
 * {@code d} per super-block; then per super-block the sixteen int8 scales of each row (16 × 16
 * bytes, scale-major), then for each half {@code n} and column {@code l < 32} 48 bytes: the 16
 * rows' {@code ql[64n + l]}, their {@code ql[64n + 32 + l]} and their {@code qh[32n + l]} (one
 * stream the kernel walks with constant offsets; three separate arrays cost a bounds check per
 * load). Value {@code 128n + 32i + l} of a super-block ({@code n <
 * 2, i < 4, l < 32}) is the low or high nibble of {@code ql[64n + 32(i & 1) + l]} with bits
 * {@code 2i, 2i + 1} of {@code qh[32n + l]} on top, minus 32 (ggml's {@code dequantize_row_q6_K}).
 *
 * <p>Numerics are the plugin's ({@code vec_dot_q6_K_q8_K}): Q8_K activations, exact integer
 * Σ sc·Σ(q−32)·x per super-block, one float multiply-add.
 */
final class PackedQ6K extends PackedMatrix {

    static final int BLOCK = 256;
    private static final int SOURCE_BYTES = 210;
    private static final int HEADER_BYTES = 2 * GROUP;
    private static final int SCALES = 0;
    private static final int VALUES = SCALES + 16 * GROUP;
    /** Bytes per (half, column): ql low-half byte, ql high-half byte, qh byte, for 16 rows. */
    private static final int STEP = 3 * GROUP;
    private static final int BODY_BYTES = VALUES + 64 * STEP;
    /** Bytes per group per super-block. */
    static final int GROUP_BLOCK_BYTES = HEADER_BYTES + BODY_BYTES;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedQ6K> FORMAT = new Format<>(GgmlType.Q6_K, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ6K::packGroup, PackedQ6K::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    private final int blocks;

    private PackedQ6K(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** Packs {@code rows × columns} Q6_K weights read from {@code source}, groups split over {@code pool}. */
    static PackedQ6K pack(MemorySegment source, int rows, int columns, WorkerPool pool) {
        return FORMAT.pack(source, rows, columns, pool);
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): header, transposed scales, interleaved value streams. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int k = 0; k < blocks; k++) {
            int src = k * SOURCE_BYTES;
            int body = blocks * HEADER_BYTES + k * BODY_BYTES;
            for (int l = 0; l < GROUP; l++) {
                out[k * HEADER_BYTES + 2 * l] = in[l * rb + src + 208];
                out[k * HEADER_BYTES + 2 * l + 1] = in[l * rb + src + 209];
            }
            transpose16(in, src + 192, rb, out, body + SCALES);
            for (int n = 0; n < 2; n++) {
                for (int p = 0; p < 2; p++) { // columns 16p .. 16p + 15 of half n
                    int v = body + VALUES + STEP * (32 * n + 16 * p);
                    transpose16(in, src + 64 * n + 16 * p, rb, out, v, STEP);
                    transpose16(in, src + 64 * n + 32 + 16 * p, rb, out, v + GROUP, STEP);
                    transpose16(in, src + 128 + 32 * n + 16 * p, rb, out, v + 2 * GROUP, STEP);
                }
            }
        }
    }

    /** Q8_K activations and 32·Σx per 8 of them (the "− 32", applied once per 8 products). */
    record Prepared(Q8KActivations a, short[] bias) {
    }

    @Override
    Prepared prepare(float[] x) {
        Q8KActivations a = Q8KActivations.of(x, 0, columns);
        short[] bias = new short[columns / 8];
        for (int b = 0; b < bias.length; b++) {
            int s = 0;
            for (int i = 0; i < 8; i++) {
                s += a.qs[8 * b + i];
            }
            bias[b] = (short) (32 * s);
        }
        return new Prepared(a, bias);
    }

    @Override
    int scratchFloats() {
        return GROUP * blocks;
    }

    /**
     * Token generation. Eight columns per pass for each of the four value streams: Σ q·x of eight
     * (q < 64) can wrap in int16, but Σ (q − 32)·x ≤ 8·32·127 cannot, so subtracting the bias
     * recovers it exactly; then widened and scaled in int32.
     */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scales, float[] out, int outOffset) {
        Prepared p = (Prepared) prepared;
        short[] qs = p.a().qs;
        float[] dx = p.a().d;
        short[] bias = p.bias();
        MemorySegment w = data;
        int nb = blocks;
        for (int g = g0; g < g1; g++) {
            superBlockScales(g, scales);
            FloatVector acc = FloatVector.zero(F);
            long groupBody = (long) g * nb * GROUP_BLOCK_BYTES + (long) nb * HEADER_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = groupBody + (long) k * BODY_BYTES;
                IntVector isum = IntVector.zero(I);
                for (int pass = 0; pass < 8; pass++) { // half n = pass >> 2, columns l in [8m, 8m + 8), m = pass & 3
                    int n = pass >> 2;
                    int l0 = 8 * (pass & 3);
                    long v = base + VALUES + (long) STEP * (32 * n + l0);
                    int x = k * BLOCK + 128 * n + l0;
                    ShortVector a0 = ShortVector.zero(S);
                    ShortVector a1 = ShortVector.zero(S);
                    ShortVector a2 = ShortVector.zero(S);
                    ShortVector a3 = ShortVector.zero(S);
                    // four columns per step, two steps (a plain 8-trip loop ran at 0.65x of the row kernel)
                    for (int u = 0; u < 8; u += 4) {
                        ShortVector lo0 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 0), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector hi0 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 0) + GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector h0 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 0) + 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        a0 = a0.add(lo0.and((short) 0x0F).or(h0.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + u + 0])));
                        a1 = a1.add(hi0.and((short) 0x0F).or(h0.lanewise(VectorOperators.LSHL, 2).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 32 + u])));
                        a2 = a2.add(lo0.lanewise(VectorOperators.LSHR, 4).or(h0.and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 64 + u])));
                        a3 = a3.add(hi0.lanewise(VectorOperators.LSHR, 4).or(h0.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 96 + u])));
                        ShortVector lo1 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 1), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector hi1 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 1) + GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector h1 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 1) + 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        a0 = a0.add(lo1.and((short) 0x0F).or(h1.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + u + 1])));
                        a1 = a1.add(hi1.and((short) 0x0F).or(h1.lanewise(VectorOperators.LSHL, 2).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 33 + u])));
                        a2 = a2.add(lo1.lanewise(VectorOperators.LSHR, 4).or(h1.and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 65 + u])));
                        a3 = a3.add(hi1.lanewise(VectorOperators.LSHR, 4).or(h1.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 97 + u])));
                        ShortVector lo2 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 2), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector hi2 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 2) + GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector h2 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 2) + 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        a0 = a0.add(lo2.and((short) 0x0F).or(h2.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + u + 2])));
                        a1 = a1.add(hi2.and((short) 0x0F).or(h2.lanewise(VectorOperators.LSHL, 2).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 34 + u])));
                        a2 = a2.add(lo2.lanewise(VectorOperators.LSHR, 4).or(h2.and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 66 + u])));
                        a3 = a3.add(hi2.lanewise(VectorOperators.LSHR, 4).or(h2.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 98 + u])));
                        ShortVector lo3 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 3), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector hi3 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 3) + GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector h3 = (ShortVector) ByteVector.fromMemorySegment(B, w, v + (long) STEP * (u + 3) + 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        a0 = a0.add(lo3.and((short) 0x0F).or(h3.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + u + 3])));
                        a1 = a1.add(hi3.and((short) 0x0F).or(h3.lanewise(VectorOperators.LSHL, 2).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 35 + u])));
                        a2 = a2.add(lo3.lanewise(VectorOperators.LSHR, 4).or(h3.and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 67 + u])));
                        a3 = a3.add(hi3.lanewise(VectorOperators.LSHR, 4).or(h3.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                                .mul(ShortVector.broadcast(S, qs[x + 99 + u])));
                    }
                    // scale of value 128n + 32i + l is number 8n + 2i + l/16
                    long sc = base + SCALES + (long) GROUP * (8 * n + (l0 >> 4));
                    IntVector s0 = (IntVector) ByteVector.fromMemorySegment(B, w, sc, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    IntVector s1 = (IntVector) ByteVector.fromMemorySegment(B, w, sc + 2L * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    IntVector s2 = (IntVector) ByteVector.fromMemorySegment(B, w, sc + 4L * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    IntVector s3 = (IntVector) ByteVector.fromMemorySegment(B, w, sc + 6L * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    int bx = x >> 3;
                    isum = isum.add(((IntVector) a0.sub(bias[bx]).convertShape(VectorOperators.S2I, I, 0)).mul(s0))
                            .add(((IntVector) a1.sub(bias[bx + 4]).convertShape(VectorOperators.S2I, I, 0)).mul(s1))
                            .add(((IntVector) a2.sub(bias[bx + 8]).convertShape(VectorOperators.S2I, I, 0)).mul(s2))
                            .add(((IntVector) a3.sub(bias[bx + 12]).convertShape(VectorOperators.S2I, I, 0)).mul(s3));
                }
                FloatVector d = FloatVector.fromArray(F, scales, GROUP * k);
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(dx[k]), acc);
            }
            acc.intoArray(out, outOffset + g * GROUP);
        }
    }

    /** d · sc · (q − 32), column-major, rounded as the plugin's decoder ((d · sc) · (q − 32)). */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long groupBody = (long) g * nb * GROUP_BLOCK_BYTES + (long) nb * HEADER_BYTES;
        float[] scales = new float[GROUP * nb];
        superBlockScales(g, scales);
        FloatVector bias = FloatVector.broadcast(F, 32f);
        for (int k = 0; k < nb; k++) {
            long base = groupBody + (long) k * BODY_BYTES;
            FloatVector d = FloatVector.fromArray(F, scales, GROUP * k);
            for (int n = 0; n < 2; n++) {
                for (int l16 = 0; l16 < 32; l16 += 16) {
                    // d·sc for the four value streams of these 16 columns (scale 8n + 2i + l/16)
                    long sc = base + SCALES + (long) GROUP * (8 * n + (l16 >> 4));
                    FloatVector d0 = d.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, sc, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0));
                    FloatVector d1 = d.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, sc + 2L * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0));
                    FloatVector d2 = d.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, sc + 4L * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0));
                    FloatVector d3 = d.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, sc + 6L * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0));
                    for (int l = l16; l < l16 + 16; l++) {
                        long v = base + VALUES + (long) STEP * (32 * n + l);
                        IntVector lo = (IntVector) ByteVector.fromMemorySegment(B, w, v, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        IntVector hi = (IntVector) ByteVector.fromMemorySegment(B, w, v + GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        IntVector h = (IntVector) ByteVector.fromMemorySegment(B, w, v + 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        int y = dstOffset + (k * BLOCK + 128 * n + l) * stride;
                        d0.mul(((FloatVector) lo.and(0x0F).or(h.and(0x03).lanewise(VectorOperators.LSHL, 4))
                                .convert(VectorOperators.I2F, 0)).sub(bias)).intoArray(dst, y);
                        d1.mul(((FloatVector) hi.and(0x0F).or(h.and(0x0C).lanewise(VectorOperators.LSHL, 2))
                                .convert(VectorOperators.I2F, 0)).sub(bias)).intoArray(dst, y + 32 * stride);
                        d2.mul(((FloatVector) lo.lanewise(VectorOperators.LSHR, 4).or(h.and(0x30))
                                .convert(VectorOperators.I2F, 0)).sub(bias)).intoArray(dst, y + 64 * stride);
                        d3.mul(((FloatVector) hi.lanewise(VectorOperators.LSHR, 4).or(h.and(0xC0).lanewise(VectorOperators.LSHR, 2))
                                .convert(VectorOperators.I2F, 0)).sub(bias)).intoArray(dst, y + 96 * stride);
                    }
                }
            }
        }
    }

    /** Group {@code g}'s f16 d as floats, {@code dst[16k ..]} for super-block {@code k}. */
    private void superBlockScales(int g, float[] dst) {
        long header = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            halvesToFloats(header + (long) HEADER_BYTES * k, dst, GROUP * k);
        }
    }
}
