package dev.kiln.quant.q5_k.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.WideQ8KDotKernel;
import dev.kiln.toolkit.quant.activation.WideQ8KActivations;
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
 * The Q5_K plugin's Vector API dot product, which Kiln's vector backend uses through
 * {@code QuantType.vectorKernel()}. Numerics are the portable kernel's (ggml's
 * {@code vec_dot_q5_K_q8_K}): activations rounded to Q8_K, exact integer sums, one float
 * multiply-add per super-block for the scales and one for the mins.
 *
 * <p>Per 64 values (32 nibble bytes, sub-blocks 2g and 2g + 1): the nibbles are widened to 16-bit
 * lanes, each gets its fifth bit from the 32 qh bytes (widened once per super-block and shifted
 * right by two per 64 values), the 5-bit values are multiplied with the activations (two
 * products of at most 31·127 summed per lane fit in 16 bits), widened to int and scaled by the
 * 6-bit sub-block scale in int32. The min term Σ m·Σx uses the activations' sums per 32, on an
 * 8-lane vector. The kernel is one flat loop: C2 emits SIMD code only when every Vector API call is
 * inlined with a constant species.
 */
public final class Q5KVectorKernel extends WideQ8KDotKernel {
    private static final int BLOCK = 256;
    private static final int BYTES = 176;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    private static final int BITS = Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    private static final VectorSpecies<Float> F = BITS >= 512 ? FloatVector.SPECIES_512
            : BITS >= 256 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = BITS >= 512 ? IntVector.SPECIES_512
            : BITS >= 256 ? IntVector.SPECIES_256 : IntVector.SPECIES_128;
    private static final VectorSpecies<Short> S = BITS >= 512 ? ShortVector.SPECIES_256
            : BITS >= 256 ? ShortVector.SPECIES_128 : ShortVector.SPECIES_64;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int STEP = F.length();
    private static final int PARTS = 16 / STEP;
    /** The min term on eight int lanes (256 bits), where the machine has them. */
    private static final boolean VECTOR_MINS = BITS >= 256;
    private static final VectorSpecies<Byte> MB = ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> MI = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> MF = FloatVector.SPECIES_256;
    /** Lanes 4-7: sub-blocks whose 6-bit min is split over two bytes. */
    private static final VectorMask<Byte> SPLIT = VectorMask.fromValues(MB, false, false, false, false, true, true, true, true);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether this machine's vectors are wide enough (128 bits or more) for the kernel's species. */
    public static final boolean SUPPORTED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 128;

    public Q5KVectorKernel() {
        super(GgmlType.Q5_K);
    }

    @Override
    protected float dotBlocks(MemorySegment w, long offset, WideQ8KActivations a, int blocks) {
        short[] xq = a.quants();
        int[] sums = a.sums32();
        float[] dxs = a.scales();
        FloatVector acc = FloatVector.zero(F);
        FloatVector minAcc = FloatVector.zero(MF);
        float minSum = 0;
        for (int k = 0; k < blocks; k++) {
            long b = offset + (long) k * BYTES;
            float dx = dxs[k];
            int dm = w.get(I32, b); // f16 d and dmin
            float d = Float.float16ToFloat((short) dm) * dx;
            float dmin = Float.float16ToFloat((short) (dm >>> 16)) * dx;
            // the twelve packed bytes as words of four 6-bit values (ggml's get_scale_min_k4)
            int s0 = w.get(I32, b + SCALES);
            int s1 = w.get(I32, b + SCALES + 4);
            int s2 = w.get(I32, b + SCALES + 8);
            int scLo = s0 & 0x3F3F3F3F;
            int scHi = (s2 & 0x0F0F0F0F) | (((s0 >>> 6) & 0x03030303) << 4);
            ByteVector hBytesA = ByteVector.fromMemorySegment(B, w, b + QH, ByteOrder.LITTLE_ENDIAN);
            ByteVector hBytesB = ByteVector.fromMemorySegment(B, w, b + QH + 16, ByteOrder.LITTLE_ENDIAN);
            IntVector isum = IntVector.zero(I);
            for (int p = 0; p < PARTS; p++) {
                // fifth bits of bytes 0-15 and 16-31; bit 2g is sub-block 2g's, bit 2g+1 sub-block 2g+1's
                ShortVector ha = (ShortVector) hBytesA.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                ShortVector hb = (ShortVector) hBytesB.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                for (int g = 0; g < 4; g++) {
                    long q = b + QS + 32L * g;
                    int xo = k * BLOCK + 64 * g + p * STEP;
                    int sc = g < 2 ? scLo : scHi;
                    int shift = 16 * (g & 1);
                    int scA = (sc >>> shift) & 0xFF;
                    int scB = (sc >>> (shift + 8)) & 0xFF;
                    ShortVector wa = (ShortVector) ByteVector.fromMemorySegment(B, w, q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                    ShortVector wb = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                    ShortVector loA = wa.and((short) 0x0F).or(ha.lanewise(VectorOperators.LSHL, 4).and((short) 0x10));
                    ShortVector loB = wb.and((short) 0x0F).or(hb.lanewise(VectorOperators.LSHL, 4).and((short) 0x10));
                    ShortVector hiA = wa.lanewise(VectorOperators.LSHR, 4).or(ha.lanewise(VectorOperators.LSHL, 3).and((short) 0x10));
                    ShortVector hiB = wb.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHL, 3).and((short) 0x10));
                    ShortVector lo = loA.mul(ShortVector.fromArray(S, xq, xo)).add(loB.mul(ShortVector.fromArray(S, xq, xo + 16)));
                    ShortVector hi = hiA.mul(ShortVector.fromArray(S, xq, xo + 32)).add(hiB.mul(ShortVector.fromArray(S, xq, xo + 48)));
                    isum = isum.add(((IntVector) lo.convertShape(VectorOperators.S2I, I, 0)).mul(scA))
                            .add(((IntVector) hi.convertShape(VectorOperators.S2I, I, 0)).mul(scB));
                    ha = ha.lanewise(VectorOperators.LSHR, 2);
                    hb = hb.lanewise(VectorOperators.LSHR, 2);
                }
            }
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
            if (VECTOR_MINS) {
                // mins 0-3: low 6 bits of bytes 4-7; mins 4-7: high nibbles of bytes 8-11 with bits 6-7 of bytes 4-7 on top
                ByteVector hiBytes = ByteVector.fromMemorySegment(MB, w, b + SCALES + 4, ByteOrder.LITTLE_ENDIAN);
                ByteVector loBytes = ByteVector.fromMemorySegment(MB, w, b + SCALES, ByteOrder.LITTLE_ENDIAN);
                ByteVector mv = hiBytes.and((byte) 63).blend(hiBytes.lanewise(VectorOperators.LSHR, 4)
                        .or(loBytes.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)), SPLIT);
                IntVector mt = ((IntVector) mv.convertShape(VectorOperators.B2I, MI, 0)).mul(IntVector.fromArray(MI, sums, k * 8));
                minAcc = ((FloatVector) mt.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(MF, dmin), minAcc);
            } else {
                int mLo = s1 & 0x3F3F3F3F;
                int mHi = ((s2 >>> 4) & 0x0F0F0F0F) | (((s1 >>> 6) & 0x03030303) << 4);
                int mins = 0;
                for (int j = 0; j < 4; j++) {
                    mins += ((mLo >>> (8 * j)) & 0xFF) * sums[k * 8 + j] + ((mHi >>> (8 * j)) & 0xFF) * sums[k * 8 + 4 + j];
                }
                minSum += dmin * mins;
            }
        }
        if (VECTOR_MINS) {
            minSum = minAcc.reduceLanes(VectorOperators.ADD);
        }
        return acc.reduceLanes(VectorOperators.ADD) - minSum;
    }
}
