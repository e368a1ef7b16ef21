package dev.kiln.toolkit.quant;

/** ggml's {@code nearest_int}: rounds half to even through the float mantissa, bit for bit. */
public final class NearestInt {
    /** 1.5·2^23: adding it leaves the integer part, rounded half to even, in the low mantissa bits. */
    private static final float MAGIC = 12582912f;

    private NearestInt() {
    }

    /**
     * {@code value} rounded to the nearest integer, ties to even. Done on the bits (not with
     * {@link Math#rint}) so that inputs beyond ±2^22, which ggml's quantizers never produce but a
     * bad row could, give the same result ggml's gives.
     */
    public static int of(float value) {
        int bits = Float.floatToRawIntBits(value + MAGIC);
        return (bits & 0x007fffff) - 0x00400000;
    }
}
