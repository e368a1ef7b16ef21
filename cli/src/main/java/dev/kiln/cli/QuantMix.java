package dev.kiln.cli;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import java.util.Locale;

/**
 * The tensor types llama-quantize chooses for a Llama model of a given file type (its default
 * mix, {@code llama_tensor_get_type}), reduced to the rules that apply to Llama tensors:
 * 1-D tensors stay F32; the output matrix (or the token embedding when it is tied) becomes
 * Q6_K unless the target is Q8_0 or a float type; for Q4_K_M, {@code attn_v} and
 * {@code ffn_down} of the layers {@code use_more_bits} picks become Q6_K. {@code --pure}
 * turns all of that off (every matrix in the target type).
 */
record QuantMix(String name, GgmlType base, boolean kMedium, boolean pure) {

    /** Parses a type name: a ggml type (F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K, …) or Q4_K_M. */
    static QuantMix parse(String name, boolean pure) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("Q4_K_M")) {
            return new QuantMix(n, GgmlType.Q4_K, true, pure);
        }
        GgmlType t = GgmlType.byName(n).orElseThrow(() -> new KilnException("unknown type '" + name
                + "'; use a ggml type name (F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K, …) or Q4_K_M"));
        return new QuantMix(n, t, false, pure);
    }

    private boolean isFloat() {
        return base == GgmlType.F32 || base == GgmlType.F16 || base == GgmlType.BF16;
    }

    /**
     * The type of one matrix.
     *
     * @param role {@code token_embd}, {@code output}, {@code attn_v}, {@code ffn_down}, …
     * @param layer the block index (ignored for non-layer tensors)
     * @param layers the number of blocks
     * @param hasOutput whether the model has its own {@code output.weight} (else the embedding is tied)
     */
    GgmlType typeOf(String role, int layer, int layers, boolean hasOutput) {
        if (pure || isFloat()) {
            return base;
        }
        boolean outputMatrix = role.equals("output") || (!hasOutput && role.equals("token_embd"));
        if (outputMatrix) {
            return base == GgmlType.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
        }
        if (kMedium && (role.equals("attn_v") || role.equals("ffn_down")) && useMoreBits(layer, layers)) {
            return GgmlType.Q6_K;
        }
        return base;
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers and every third in between. */
    static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** llama.cpp's {@code general.file_type} (LLAMA_FTYPE_*) for this mix. */
    int fileType() {
        if (kMedium) {
            return 15;
        }
        return switch (base) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q4_K -> 14; // Q4_K_S: the closest named file type for "all Q4_K"
            case Q5_K -> 16;
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new KilnException("no llama.cpp file type for " + base);
        };
    }
}
