package dev.kiln.quant.q6_k;

/** ggml's {@code nearest_int}: round half to even through the float mantissa, bit for bit. */
final class NearestInt {
    private NearestInt() {
    }

    /**
     * Adding 1.5·2^23 puts the integer part into the low mantissa bits. Done on the bits (not
     * {@link Math#rint}) so that out-of-range inputs give the same garbage ggml's gives.
     */
    static int of(float value) {
        int bits = Float.floatToRawIntBits(value + 12582912f);
        return (bits & 0x007fffff) - 0x00400000;
    }
}
