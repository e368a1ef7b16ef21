package dev.kiln.runtime.quantize;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import java.util.Locale;

/**
 * The tensor types llama-quantize chooses for a model of a given file type (its default mix,
 * {@code llama_tensor_get_type}), by tensor name, reduced to the rules that apply to Llama-family
 * tensors: 1-D tensors stay F32; the output matrix (or the token embedding when it is tied)
 * becomes Q6_K unless the target is Q8_0 or a float type; for Q4_K_M, {@code attn_v} and
 * {@code ffn_down} of the layers {@code use_more_bits} picks become Q6_K. {@code pure} turns all
 * of that off (every matrix in the target type).
 */
public record QuantMix(String name, GgmlType base, boolean kMedium, boolean pure) {

    /** Parses a type name: a ggml type (F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K, …) or Q4_K_M. */
    public static QuantMix parse(String name, boolean pure) {
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
     * The type of one 2-D tensor.
     *
     * @param tensor its name, e.g. {@code blk.3.attn_v.weight}, {@code output.weight}
     * @param layers the number of blocks
     * @param hasOutput whether the model has its own {@code output.weight} (else the embedding is tied)
     */
    public GgmlType typeOf(String tensor, int layers, boolean hasOutput) {
        if (pure || isFloat()) {
            return base;
        }
        boolean outputMatrix = tensor.equals("output.weight") || (!hasOutput && tensor.equals("token_embd.weight"));
        if (outputMatrix) {
            return base == GgmlType.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
        }
        if (kMedium && (tensor.endsWith(".attn_v.weight") || tensor.endsWith(".ffn_down.weight"))
                && useMoreBits(layerOf(tensor), layers)) {
            return GgmlType.Q6_K;
        }
        return base;
    }

    /** The block index of a {@code blk.N.…} tensor, else -1. */
    static int layerOf(String tensor) {
        if (!tensor.startsWith("blk.")) {
            return -1;
        }
        int end = tensor.indexOf('.', 4);
        return end < 0 ? -1 : Integer.parseInt(tensor.substring(4, end));
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers and every third in between. */
    public static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** llama.cpp's {@code general.file_type} for this mix. */
    public FileType fileType() {
        return kMedium ? FileType.Q4_K_M : FileType.of(base);
    }
}
