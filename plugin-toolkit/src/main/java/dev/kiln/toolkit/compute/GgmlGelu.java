package dev.kiln.toolkit.compute;

/**
 * GELU (tanh approximation) as ggml's CPU backend computes it for float tensors: the input is
 * rounded to half precision and looked up in a table of {@code gelu(h)} for every half value
 * {@code h}, each computed in float and stored in half precision; inputs at or below -10 give 0
 * and at or above 10 the input itself.
 */
public final class GgmlGelu {
    private static final float GELU_COEF_A = 0.044715f;
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    /** gelu of every half-precision value, by its bit pattern, rounded to half and widened. */
    private static final float[] TABLE = table();

    private GgmlGelu() {
    }

    /** GELU of {@code x} as ggml's {@code ggml_vec_gelu_f32} gives it. */
    public static float apply(float x) {
        if (x <= -10.0f) {
            return 0.0f;
        }
        if (x >= 10.0f) {
            return x;
        }
        return TABLE[Float.floatToFloat16(x) & 0xffff];
    }

    /** The formula in float, as ggml's {@code ggml_gelu_f32}. */
    public static float formula(float x) {
        return 0.5f * x * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1.0f + GELU_COEF_A * x * x)));
    }

    private static float[] table() {
        float[] t = new float[1 << 16];
        for (int i = 0; i < t.length; i++) {
            float h = Float.float16ToFloat((short) i);
            t[i] = Float.float16ToFloat(Float.floatToFloat16(formula(h)));
        }
        return t;
    }
}
