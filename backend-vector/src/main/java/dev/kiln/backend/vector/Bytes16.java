package dev.kiln.backend.vector;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sixteen signed byte values (one 128-bit load, the unit every quant layout here decodes into)
 * turned into floats and multiplied with sixteen activations. At 512 bits that is one
 * {@code vpmovsxbd}+{@code vcvtdq2ps} and one FMA; narrower widths take 2 or 4 parts.
 */
final class Bytes16 {

    private Bytes16() {
    }

    /** Lanewise q·x over 16 values, starting a new sum. */
    static FloatVector mul(Lanes lanes, ByteVector q, float[] x, int xOffset) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector t = ((FloatVector) q.convertShape(VectorOperators.B2F, f, 0))
                .mul(FloatVector.fromArray(f, x, xOffset));
        for (int p = 1; p < 16 / step; p++) {
            t = ((FloatVector) q.convertShape(VectorOperators.B2F, f, p))
                    .fma(FloatVector.fromArray(f, x, xOffset + p * step), t);
        }
        return t;
    }

    /** acc + lanewise q·x over 16 values. */
    static FloatVector fma(Lanes lanes, ByteVector q, float[] x, int xOffset, FloatVector acc) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        for (int p = 0; p < 16 / step; p++) {
            acc = ((FloatVector) q.convertShape(VectorOperators.B2F, f, p))
                    .fma(FloatVector.fromArray(f, x, xOffset + p * step), acc);
        }
        return acc;
    }

    /** Writes the 16 values times {@code scale} (minus {@code min}) to {@code dst[dstOffset ..]}. */
    static void decode(Lanes lanes, ByteVector q, float scale, float min, float[] dst, int dstOffset) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector s = FloatVector.broadcast(f, scale);
        FloatVector m = FloatVector.broadcast(f, -min);
        for (int p = 0; p < 16 / step; p++) {
            ((FloatVector) q.convertShape(VectorOperators.B2F, f, p)).fma(s, m).intoArray(dst, dstOffset + p * step);
        }
    }

    static VectorSpecies<Byte> species() {
        return Lanes.BYTES;
    }
}
