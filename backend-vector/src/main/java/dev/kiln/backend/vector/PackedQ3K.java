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
 * Q3_K (ggml's {@code block_q3_K}, a plugin type: there is no Q3_K row kernel here, the plugin's
 * {@code vectorKernel()} serves the shapes this layout does not) in the {@link PackedMatrix}
 * layout: 2336 bytes per group of 16 rows and 256-column super-block (16 × 110 = 1760 originally,
 * +33 %: each 3-bit value gets a nibble, so the kernel is Q4_K's). The group starts with a header of
 * the 16 f16 {@code d} per super-block; then per super-block the sixteen 6-bit scales of each row as
 * signed bytes ({@code scale − 32}, 16 × 16 bytes, scale-major), then for each 32-column chunk
 * {@code c} and {@code i < 16} 16 bytes: row {@code l}'s value {@code 32c + i} (scale {@code 2c}) in
 * the low nibble and {@code 32c + 16 + i} (scale {@code 2c + 1}) in the high one, each its three
 * bits as ggml's {@code dequantize_row_q3_K} reads them (low two from qs, the third from hmask), so
 * {@code 0 .. 7} for {@code −4 .. 3}.
 *
 * <p>Numerics are the plugin's ({@code vec_dot_q3_K_q8_K}): Q8_K activations, exact integer
 * Σ sc·Σ(q − 4)·x per super-block, one float multiply-add.
 */
final class PackedQ3K extends PackedMatrix {

    static final int BLOCK = 256;
    private static final int SOURCE_BYTES = 110;
    private static final int HEADER_BYTES = 2 * GROUP;
    private static final int SCALES = 0;
    private static final int VALUES = SCALES + 16 * GROUP;
    private static final int BODY_BYTES = VALUES + 128 * GROUP;
    /** Bytes per group per super-block. */
    static final int GROUP_BLOCK_BYTES = HEADER_BYTES + BODY_BYTES;

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    static final Format<PackedQ3K> FORMAT = new Format<>(GgmlType.Q3_K, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ3K::packGroup, PackedQ3K::new);

    private final int blocks;

    private PackedQ3K(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): header, unpacked scales, values as nibbles. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        int[] v = new int[BLOCK];
        for (int l = 0; l < GROUP; l++) {
            for (int k = 0; k < blocks; k++) {
                int src = l * rb + k * SOURCE_BYTES;
                out[k * HEADER_BYTES + 2 * l] = in[src + 108];
                out[k * HEADER_BYTES + 2 * l + 1] = in[src + 109];
                int body = blocks * HEADER_BYTES + k * BODY_BYTES;
                for (int j = 0; j < 16; j++) {
                    int low = j < 8 ? in[src + 96 + j] & 0xF : (in[src + 96 + j - 8] & 0xFF) >>> 4;
                    int high = ((in[src + 96 + 8 + j % 4] & 0xFF) >>> (2 * (j / 4))) & 3;
                    out[body + SCALES + GROUP * j + l] = (byte) ((low | (high << 4)) - 32);
                }
                for (int n = 0; n < 2; n++) {
                    for (int j = 0; j < 4; j++) {
                        for (int i = 0; i < 32; i++) {
                            int q = ((in[src + 32 + 32 * n + i] & 0xFF) >>> (2 * j)) & 3;
                            int h = ((in[src + i] & 0xFF) >>> (4 * n + j)) & 1;
                            v[128 * n + 32 * j + i] = q | (h << 2);
                        }
                    }
                }
                for (int c = 0; c < 8; c++) {
                    for (int i = 0; i < 16; i++) {
                        out[body + VALUES + GROUP * (16 * c + i) + l] = (byte) (v[32 * c + i] | (v[32 * c + 16 + i] << 4));
                    }
                }
            }
        }
    }

    /** Q8_K activations and 4·Σx per 16 of them (the "− 4", applied once per 16 products). */
    record Prepared(Q8KActivations a, short[] bias) {
    }

    @Override
    Prepared prepare(float[] x) {
        Q8KActivations a = Q8KActivations.of(x, 0, columns);
        short[] bias = new short[columns / 16];
        for (int b = 0; b < bias.length; b++) {
            int s = 0;
            for (int i = 0; i < 16; i++) {
                s += a.qs[16 * b + i];
            }
            bias[b] = (short) (4 * s);
        }
        return new Prepared(a, bias);
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8KActivations.round(x, offset, n);
    }

    @Override
    int scratchFloats() {
        return GROUP * blocks;
    }

    /**
     * Token generation on Q8_K-rounded activations, as Q4_K's: sixteen byte positions per pass
     * (Σ q·x ≤ 16·7·127 fits int16), less 4·Σx (then the exact Σ (q − 4)·x), widened and scaled in int32.
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
            long body = (long) g * nb * GROUP_BLOCK_BYTES + (long) nb * HEADER_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = body + (long) k * BODY_BYTES;
                IntVector isum = IntVector.zero(I);
                for (int c = 0; c < 8; c++) {
                    long q = base + VALUES + 16L * GROUP * c;
                    int x = k * BLOCK + 32 * c;
                    ShortVector lo = ShortVector.zero(S);
                    ShortVector hi = ShortVector.zero(S);
                    for (int j = 0; j < 16; j += 8) {
                        ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * j, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q0.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j])));
                        hi = hi.add(q0.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j])));
                        ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 1), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q1.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 1])));
                        hi = hi.add(q1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 17 + j])));
                        ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 2), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q2.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 2])));
                        hi = hi.add(q2.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 18 + j])));
                        ShortVector q3 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 3), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q3.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 3])));
                        hi = hi.add(q3.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 19 + j])));
                        ShortVector q4 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 4), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q4.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 4])));
                        hi = hi.add(q4.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 20 + j])));
                        ShortVector q5 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 5), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q5.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 5])));
                        hi = hi.add(q5.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 21 + j])));
                        ShortVector q6 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 6), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q6.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 6])));
                        hi = hi.add(q6.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 22 + j])));
                        ShortVector q7 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 7), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(q7.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 7])));
                        hi = hi.add(q7.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 23 + j])));
                    }
                    IntVector scLo = (IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + 2L * GROUP * c, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    IntVector scHi = (IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + 2L * GROUP * c + GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    int bx = x >> 4;
                    isum = isum.add(((IntVector) lo.sub(bias[bx]).convertShape(VectorOperators.S2I, I, 0)).mul(scLo))
                            .add(((IntVector) hi.sub(bias[bx + 1]).convertShape(VectorOperators.S2I, I, 0)).mul(scHi));
                }
                FloatVector d = FloatVector.fromArray(F, scales, GROUP * k);
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(dx[k]), acc);
            }
            acc.intoArray(out, outOffset + g * GROUP);
        }
    }

    /** d · sc · (q − 4), column-major, rounded as the plugin's decoder ((d · sc) · (q − 4)). */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long body = (long) g * nb * GROUP_BLOCK_BYTES + (long) nb * HEADER_BYTES;
        float[] scales = new float[GROUP * nb];
        superBlockScales(g, scales);
        for (int k = 0; k < nb; k++) {
            long base = body + (long) k * BODY_BYTES;
            FloatVector d = FloatVector.fromArray(F, scales, GROUP * k);
            for (int c = 0; c < 8; c++) {
                FloatVector d1 = d.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + 2L * GROUP * c, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0));
                FloatVector d2 = d.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + 2L * GROUP * c + GROUP, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0));
                int col = k * BLOCK + 32 * c;
                for (int i = 0; i < 16; i++) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, base + VALUES + (long) GROUP * (16 * c + i), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    d1.mul((FloatVector) q.and(0x0F).sub(4).convert(VectorOperators.I2F, 0)).intoArray(dst, dstOffset + (col + i) * stride);
                    d2.mul((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(4).convert(VectorOperators.I2F, 0))
                            .intoArray(dst, dstOffset + (col + 16 + i) * stride);
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
