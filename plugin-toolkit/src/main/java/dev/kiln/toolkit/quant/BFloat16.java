package dev.kiln.toolkit.quant;

/**
 * bfloat16 conversions as ggml does them ({@code GGML_FP32_TO_BF16} / {@code GGML_BF16_TO_FP32}):
 * the top half of an IEEE single, rounded to nearest even on the dropped 16 bits, subnormals
 * kept, a NaN kept a (quiet) NaN.
 */
public final class BFloat16 {
    private BFloat16() {
    }

    /** The bfloat16 bits nearest to {@code v}. */
    public static short fromFloat(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & 0x7FFFFFFF) > 0x7F800000) {
            // NaN: keep sign and top payload bits, force the quiet bit so it cannot become Inf
            return (short) ((u >>> 16) | 0x40);
        }
        return (short) ((u + (0x7FFF + ((u >>> 16) & 1))) >>> 16);
    }

    /** The float whose top half is {@code bits} (exact). */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** {@code v} rounded to bfloat16 and back: what ggml multiplies BF16 weights with. */
    public static float round(float v) {
        return toFloat(fromFloat(v));
    }
}
