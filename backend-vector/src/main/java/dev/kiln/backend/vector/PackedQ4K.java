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
 * Q4_K in the {@link PackedMatrix} layout. Per group of 16 rows and per 256-column super-block,
 * 2368 bytes (16 × 144 = 2304 originally, +2.8 %). The group starts with a header holding, per
 * super-block, the 16 f16 {@code d} and the 16 f16 {@code dmin} (read in one sequential pass; as a
 * strided pass over the body they cost the streaming kernel a third of its speed). Then per
 * super-block: the eight 6-bit scales unpacked to one byte per row (8 × 16 bytes), the eight mins
 * likewise, and for each 64-column chunk {@code c} and {@code i < 32} byte {@code i} of the
 * chunk of each row (low nibble column {@code 64c + i}, high nibble {@code 64c + 32 + i}).
 * Unpacking the 6-bit scales at load time is what the extra 64 bytes buy: the kernel reads them
 * as vectors.
 *
 * <p>Numerics are the plugin's ({@code vec_dot_q4_K_q8_K}): activations rounded to Q8_K,
 * exact integer Σ sc·Σq·x and Σ m·Σx per super-block, two float multiply-adds per super-block.
 */
final class PackedQ4K extends PackedMatrix {

    static final int BLOCK = 256;
    private static final int SOURCE_BYTES = 144;
    /** Per super-block in the group's header: the 16 d, then the 16 dmin. */
    private static final int HEADER_BYTES = 4 * GROUP;
    /** Per super-block in the group's body: scales, mins, nibbles. */
    private static final int SCALES = 0;
    private static final int MINS = SCALES + 8 * GROUP;
    private static final int NIBBLES = MINS + 8 * GROUP;
    private static final int BODY_BYTES = NIBBLES + 128 * GROUP;
    /** Bytes per group per super-block. */
    static final int GROUP_BLOCK_BYTES = HEADER_BYTES + BODY_BYTES;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedQ4K> FORMAT = new Format<>(GgmlType.Q4_K, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ4K::packGroup, PackedQ4K::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    private final int blocks;

    private PackedQ4K(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** Packs {@code rows × columns} Q4_K weights read from {@code source}, groups split over {@code pool}. */
    static PackedQ4K pack(MemorySegment source, int rows, int columns, WorkerPool pool) {
        return FORMAT.pack(source, rows, columns, pool);
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): header, unpacked scales and mins, transposed nibbles. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int l = 0; l < GROUP; l++) {
            for (int k = 0; k < blocks; k++) {
                int src = l * rb + k * SOURCE_BYTES;
                int header = k * HEADER_BYTES;
                out[header + 2 * l] = in[src];
                out[header + 2 * l + 1] = in[src + 1];
                out[header + 2 * GROUP + 2 * l] = in[src + 2];
                out[header + 2 * GROUP + 2 * l + 1] = in[src + 3];
                int dst = blocks * HEADER_BYTES + k * BODY_BYTES;
                for (int s = 0; s < 8; s++) {
                    out[dst + SCALES + GROUP * s + l] = (byte) scaleMin(in, src + 4, s, 0);
                    out[dst + MINS + GROUP * s + l] = (byte) scaleMin(in, src + 4, s, 1);
                }
            }
        }
        for (int k = 0; k < blocks; k++) {
            for (int half = 0; half < 8; half++) { // 16 of a super-block's 128 nibble bytes at a time
                transpose16(in, k * SOURCE_BYTES + 16 + 16 * half, rb, out,
                        blocks * HEADER_BYTES + k * BODY_BYTES + NIBBLES + 16 * GROUP * half);
            }
        }
    }

    /** Six-bit scale (what = 0) or min (what = 1) of group {@code j} from the 12 packed bytes at {@code s} (ggml's get_scale_min_k4). */
    static int scaleMin(byte[] b, int s, int j, int what) {
        if (j < 4) {
            return b[s + j + 4 * what] & 63;
        }
        int packed = b[s + j + 4] & 0xFF;
        int high = (b[s + j - 4 + 4 * what] & 0xFF) >>> 6;
        return (what == 0 ? packed & 0xF : packed >>> 4) | (high << 4);
    }

    @Override
    Q8KActivations prepare(float[] x) {
        return Q8KActivations.of(x, 0, columns);
    }

    @Override
    int scratchFloats() {
        return 2 * GROUP * blocks;
    }

    /** Token generation on Q8_K-rounded activations. */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scales, float[] out, int outOffset) {
        Q8KActivations a = (Q8KActivations) prepared;
        short[] qs = a.qs;
        float[] dx = a.d;
        int[] sums = a.sums32;
        MemorySegment w = data;
        int nb = blocks;
        for (int g = g0; g < g1; g++) {
            // d and dmin of the group as floats first: converting them inline made this method too
            // large for C2's inlining budget (the segment liveness check became a call: -35 %)
            superBlockScales(g, scales);
            FloatVector acc = FloatVector.zero(F);
            FloatVector minAcc = FloatVector.zero(F);
            long body = (long) g * nb * GROUP_BLOCK_BYTES + (long) nb * HEADER_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = body + (long) k * BODY_BYTES;
                IntVector isum = IntVector.zero(I);
                // 16 columns of sub-block 2c (low nibbles) and of 2c+1 (high) per pass: Σ of 16 products
                // 15 · 127 fits int16 (32 would not), then widened and scaled in int32
                for (int h = 0; h < 8; h++) {
                    int c = h >> 1;
                    // = chunk c, half h & 1; written affine in h so C2 can hoist the bounds checks
                    // (as 512·c + 256·(h & 1) it checked every load: see the Q6_K stream note)
                    long q = base + NIBBLES + 16L * GROUP * h;
                    int x = k * BLOCK + 64 * c + 16 * (h & 1);
                    ShortVector lo = ShortVector.zero(S);
                    ShortVector hi = ShortVector.zero(S);
                    for (int j = 0; j < 16; j += 8) {
                        ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * j, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q0.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j])));
                        hi = hi.add(q0.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 32 + j])));
                        ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 1), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q1.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 1])));
                        hi = hi.add(q1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 33 + j])));
                        ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 2), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q2.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 2])));
                        hi = hi.add(q2.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 34 + j])));
                        ShortVector q3 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 3), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q3.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 3])));
                        hi = hi.add(q3.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 35 + j])));
                        ShortVector q4 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 4), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q4.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 4])));
                        hi = hi.add(q4.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 36 + j])));
                        ShortVector q5 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 5), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q5.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 5])));
                        hi = hi.add(q5.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 37 + j])));
                        ShortVector q6 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 6), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q6.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 6])));
                        hi = hi.add(q6.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 38 + j])));
                        ShortVector q7 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 7), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q7.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 7])));
                        hi = hi.add(q7.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 39 + j])));
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

    /** d·sc·q − dmin·m, column-major, with the plugin's rounding (q·(d·sc) + (−dmin·m), one FMA). */
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
                FloatVector d1 = d.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + 2L * GROUP * c, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).convert(VectorOperators.I2F, 0));
                FloatVector d2 = d.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + 2L * GROUP * c + GROUP, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).convert(VectorOperators.I2F, 0));
                FloatVector m1 = dmin.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, base + MINS + 2L * GROUP * c, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).convert(VectorOperators.I2F, 0)).neg();
                FloatVector m2 = dmin.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, base + MINS + 2L * GROUP * c + GROUP, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).convert(VectorOperators.I2F, 0)).neg();
                int col = k * BLOCK + 64 * c;
                for (int i = 0; i < 32; i++) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, base + NIBBLES + 32L * GROUP * c + (long) GROUP * i,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d1, m1).intoArray(dst, dstOffset + (col + i) * stride);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(d2, m2)
                            .intoArray(dst, dstOffset + (col + 32 + i) * stride);
                }
            }
        }
    }

    /** Group {@code g}'s f16 d and dmin as floats: {@code dst[32k .. 32k + 16)} and {@code dst[32k + 16 .. 32k + 32)} for super-block {@code k}. */
    private void superBlockScales(int g, float[] dst) {
        long header = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int i = 0; i < 2 * blocks; i++) {
            halvesToFloats(header + (long) GROUP * 2 * i, dst, GROUP * i); // d of super-block i/2, then its dmin
        }
    }
}
