package dev.kiln.quant.q3_k.vector;

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
 * The Q3_K plugin's Vector API dot product, which Kiln's vector backend uses through
 * {@code QuantType.vectorKernel()}. Numerics are the portable kernel's (ggml's
 * {@code vec_dot_q3_K_q8_K}): activations rounded to Q8_K, exact integer sums, one float
 * multiply-add per super-block.
 *
 * <p>Per 32 values (sixteen with scale {@code 8n + 2j}, sixteen with {@code 8n + 2j + 1}): the qs
 * and hmask bytes are widened to 16-bit lanes once per super-block half; each value is its two
 * bits {@code 2j} of qs, plus 4 if its hmask bit is set, minus 4. Products with the activations
 * times the signed 6-bit scale stay within ±4·127·32, so the two sixteens are added in 16 bits
 * before one widening to int. The kernel is one flat loop: C2 emits SIMD code only when every
 * Vector API call is inlined with a constant species.
 */
public final class Q3KVectorKernel extends WideQ8KDotKernel {
    private static final int BLOCK = 256;
    private static final int BYTES = 110;
    private static final int HMASK = 0;
    private static final int QS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

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
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether this machine's vectors are wide enough (128 bits or more) for the kernel's species. */
    public static final boolean SUPPORTED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 128;

    public Q3KVectorKernel() {
        super(GgmlType.Q3_K);
    }

    @Override
    protected float dotBlocks(MemorySegment w, long offset, WideQ8KActivations a, int blocks) {
        short[] xq = a.quants();
        float[] dxs = a.scales();
        FloatVector acc = FloatVector.zero(F);
        for (int k = 0; k < blocks; k++) {
            long b = offset + (long) k * BYTES;
            float d = Float.float16ToFloat(w.get(F16, b + D)) * dxs[k];
            // the sixteen 6-bit scales as four words of four (ggml's kmask unpacking): low nibbles of
            // scales 0-7 and high nibbles of 8-15 in words w0/w4, the top two bits of every scale in w8
            int w0 = w.get(I32, b + SCALES);
            int w4 = w.get(I32, b + SCALES + 4);
            int w8 = w.get(I32, b + SCALES + 8);
            int aux0 = (w0 & 0x0F0F0F0F) | ((w8 & 0x03030303) << 4);
            int aux1 = (w4 & 0x0F0F0F0F) | (((w8 >>> 2) & 0x03030303) << 4);
            int aux2 = ((w0 >>> 4) & 0x0F0F0F0F) | (((w8 >>> 4) & 0x03030303) << 4);
            int aux3 = ((w4 >>> 4) & 0x0F0F0F0F) | (((w8 >>> 6) & 0x03030303) << 4);
            ByteVector hBytesA = ByteVector.fromMemorySegment(B, w, b + HMASK, ByteOrder.LITTLE_ENDIAN);
            ByteVector hBytesB = ByteVector.fromMemorySegment(B, w, b + HMASK + 16, ByteOrder.LITTLE_ENDIAN);
            IntVector isum = IntVector.zero(I);
            for (int p = 0; p < PARTS; p++) {
                // the high bits, moved up by two so that bit 4n + j lands on the value 4 when shifted down by 4n + j
                ShortVector ha = ((ShortVector) hBytesA.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p)).lanewise(VectorOperators.LSHL, 2);
                ShortVector hb = ((ShortVector) hBytesB.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p)).lanewise(VectorOperators.LSHL, 2);
                for (int n = 0; n < 2; n++) {
                    ShortVector qa = (ShortVector) ByteVector.fromMemorySegment(B, w, b + QS + 32L * n, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                    ShortVector qb = (ShortVector) ByteVector.fromMemorySegment(B, w, b + QS + 32L * n + 16, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                    for (int j = 0; j < 4; j++) {
                        // scales 8n + 2j and 8n + 2j + 1: bytes 2·(j & 1) and 2·(j & 1) + 1 of word 2n + j / 2
                        int word = n == 0 ? (j < 2 ? aux0 : aux1) : (j < 2 ? aux2 : aux3);
                        int scA = ((word >>> (16 * (j & 1))) & 0xFF) - 32;
                        int scB = ((word >>> (16 * (j & 1) + 8)) & 0xFF) - 32;
                        int xo = k * BLOCK + 128 * n + 32 * j + p * STEP;
                        int bit = 4 * n + j;
                        ShortVector va = qa.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3)
                                .or(ha.lanewise(VectorOperators.LSHR, bit).and((short) 4)).sub((short) 4);
                        ShortVector vb = qb.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3)
                                .or(hb.lanewise(VectorOperators.LSHR, bit).and((short) 4)).sub((short) 4);
                        ShortVector sum = va.mul(ShortVector.fromArray(S, xq, xo)).mul((short) scA)
                                .add(vb.mul(ShortVector.fromArray(S, xq, xo + 16)).mul((short) scB));
                        isum = isum.add((IntVector) sum.convertShape(VectorOperators.S2I, I, 0));
                    }
                }
            }
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
