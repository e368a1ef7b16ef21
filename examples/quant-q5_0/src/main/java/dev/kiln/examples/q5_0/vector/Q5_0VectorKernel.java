package dev.kiln.examples.q5_0.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The plugin's own Vector API dot product, which Kiln's vector backend picks up through
 * {@code QuantType.vectorKernel()} without knowing Q5_0. Per block: the 16 bytes of low nibbles
 * are one 128-bit byte vector; the fifth bits come from {@code qh} by testing each lane's bit
 * (a broadcast byte AND a 1,2,4..128 pattern); codes minus 16 widen to floats (B2F, one part per
 * float vector) and are multiplied with the activations, then scaled by the block's d. The
 * activations are first rounded to Q8_0 blocks as llama.cpp does, so the result is llama.cpp's
 * to float rounding; the toolkit's base class checks every argument.
 */
public final class Q5_0VectorKernel extends BlockDotKernel<float[]> {
    private static final int BLOCK = 32;
    private static final int BYTES = 22;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Float> F = floatSpecies();
    private static final int PARTS = B.length() / F.length();
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Lane j tests bit j % 8 of its byte of qh. */
    private static final ByteVector BIT = ByteVector.fromArray(B,
            new byte[] {1, 2, 4, 8, 16, 32, 64, (byte) 128, 1, 2, 4, 8, 16, 32, 64, (byte) 128}, 0);

    /** At most 512 bits (16 floats, one B2F part per block half) and at least 128. */
    private static VectorSpecies<Float> floatSpecies() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        return preferred.length() > 16 ? FloatVector.SPECIES_512 : preferred;
    }

    public Q5_0VectorKernel() {
        super(GgmlType.Q5_0);
    }

    /** ggml's Q8_0 rounding of the activations (the toolkit's), kept as the floats q·d for the FMAs below. */
    @Override
    protected float[] prepareChecked(float[] x, int offset, int count) {
        return Q8_0Activations.of(x, offset, count).toFloats();
    }

    @Override
    protected int preparedCount(float[] x) {
        return x.length;
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, float[] x, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(weights.get(F16, at)));
            int qh = weights.get(U32, at + 2);
            ByteVector qs = ByteVector.fromMemorySegment(B, weights, at + 6, ByteOrder.LITTLE_ENDIAN);
            ByteVector low = qs.and((byte) 0x0F)
                    .lanewise(VectorOperators.OR, (byte) 0x10, fifthBits(qh)).sub((byte) 16);
            ByteVector high = qs.lanewise(VectorOperators.LSHR, 4)
                    .lanewise(VectorOperators.OR, (byte) 0x10, fifthBits(qh >>> 16)).sub((byte) 16);
            int base = b * BLOCK;
            for (int p = 0; p < PARTS; p++) {
                FloatVector wl = (FloatVector) low.convertShape(VectorOperators.B2F, F, p);
                FloatVector wh = (FloatVector) high.convertShape(VectorOperators.B2F, F, p);
                FloatVector xl = FloatVector.fromArray(F, x, base + p * F.length());
                FloatVector xh = FloatVector.fromArray(F, x, base + 16 + p * F.length());
                acc = wl.mul(xl).add(wh.mul(xh)).fma(d, acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Lanes 0..15 set where bit j of the low 16 bits of {@code bits} is set. */
    private static VectorMask<Byte> fifthBits(int bits) {
        ByteVector spread = ByteVector.broadcast(B, (byte) bits)
                .blend((byte) (bits >>> 8), VectorMask.fromLong(B, 0xFF00L));
        return spread.and(BIT).compare(VectorOperators.NE, (byte) 0);
    }
}
