package dev.kiln.quant.q2_k.vector;

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
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Q2_K plugin's Vector API dot product, which Kiln's vector backend uses through
 * {@code QuantType.vectorKernel()}. Numerics are the portable kernel's (ggml's
 * {@code vec_dot_q2_K_q8_K}): activations rounded to Q8_K, exact integer sums, and
 * {@code d·Σ sc·Σq·x − dmin·Σ m·Σx} per super-block.
 *
 * <p>Per 32 values (sixteen with scale byte {@code 8n + 2j}, sixteen with {@code 8n + 2j + 1}): the
 * qs bytes are widened to 16-bit lanes once per super-block half and shifted by {@code 2j}; each
 * product with an activation times its 4-bit scale is at most 3·127·15, so the two sixteens are
 * added in 16 bits before one widening to int. The min term uses the activations' sums per 16. The
 * kernel is one flat loop: C2 emits SIMD code only when every Vector API call is inlined with a
 * constant species.
 */
public final class Q2KVectorKernel extends WideQ8KDotKernel {
    private static final int BLOCK = 256;
    private static final int BYTES = 84;
    private static final int SCALES = 0;
    private static final int QS = 16;
    private static final int D = 80;

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
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether this machine's vectors are wide enough (128 bits or more) for the kernel's species. */
    public static final boolean SUPPORTED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 128;

    public Q2KVectorKernel() {
        super(GgmlType.Q2_K);
    }

    @Override
    protected float dotBlocks(MemorySegment w, long offset, WideQ8KActivations a, int blocks) {
        short[] xq = a.quants();
        short[] sums = a.sums16();
        float[] dxs = a.scales();
        float sumf = 0;
        for (int k = 0; k < blocks; k++) {
            long b = offset + (long) k * BYTES;
            // the sixteen scale bytes: 4-bit scale low, 4-bit min high
            long sLo = w.get(I64, b + SCALES);
            long sHi = w.get(I64, b + SCALES + 8);
            int summs = 0;
            for (int j = 0; j < 8; j++) {
                summs += sums[16 * k + j] * (int) ((sLo >>> (8 * j + 4)) & 0xF)
                        + sums[16 * k + 8 + j] * (int) ((sHi >>> (8 * j + 4)) & 0xF);
            }
            IntVector isum = IntVector.zero(I);
            for (int p = 0; p < PARTS; p++) {
                for (int n = 0; n < 2; n++) {
                    ShortVector qa = (ShortVector) ByteVector.fromMemorySegment(B, w, b + QS + 32L * n, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                    ShortVector qb = (ShortVector) ByteVector.fromMemorySegment(B, w, b + QS + 32L * n + 16, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                    long sc = n == 0 ? sLo : sHi;
                    for (int j = 0; j < 4; j++) {
                        short scA = (short) ((sc >>> (16 * j)) & 0xF);
                        short scB = (short) ((sc >>> (16 * j + 8)) & 0xF);
                        int xo = k * BLOCK + 128 * n + 32 * j + p * STEP;
                        ShortVector sum = qa.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3)
                                .mul(ShortVector.fromArray(S, xq, xo)).mul(scA)
                                .add(qb.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3)
                                        .mul(ShortVector.fromArray(S, xq, xo + 16)).mul(scB));
                        isum = isum.add((IntVector) sum.convertShape(VectorOperators.S2I, I, 0));
                    }
                }
            }
            int dm = w.get(I32, b + D); // f16 d and dmin
            float dall = dxs[k] * Float.float16ToFloat((short) dm);
            float dmin = dxs[k] * Float.float16ToFloat((short) (dm >>> 16));
            sumf += dall * isum.reduceLanes(VectorOperators.ADD) - dmin * summs;
        }
        return sumf;
    }
}
