package dev.kiln.runtime.quantize;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * llama.cpp's {@code llama_ftype}: the {@code general.file_type} a model's main quantization
 * is recorded as, and the names llama-quantize takes ({@code Q4_K} is its alias for
 * {@code Q4_K_M}, {@code Q3_K} for {@code Q3_K_M}, {@code Q5_K} for {@code Q5_K_M}), each with
 * the type llama-quantize starts every tensor from ({@code default_type}; {@link QuantMix} then
 * chooses per tensor). The one table Kiln keeps of them.
 */
public enum FileType {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    Q4_0(2, GgmlType.Q4_0),
    Q4_1(3, GgmlType.Q4_1),
    Q8_0(7, GgmlType.Q8_0),
    Q5_0(8, GgmlType.Q5_0),
    Q5_1(9, GgmlType.Q5_1),
    Q2_K(10, GgmlType.Q2_K),
    Q3_K_S(11, GgmlType.Q3_K),
    Q3_K_M(12, GgmlType.Q3_K),
    Q3_K_L(13, GgmlType.Q3_K),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K),
    IQ2_XXS(19, GgmlType.IQ2_XXS),
    IQ2_XS(20, GgmlType.IQ2_XS),
    Q2_K_S(21, GgmlType.Q2_K),
    IQ3_XS(22, GgmlType.IQ3_S),
    IQ3_XXS(23, GgmlType.IQ3_XXS),
    IQ1_S(24, GgmlType.IQ1_S),
    IQ4_NL(25, GgmlType.IQ4_NL),
    IQ3_S(26, GgmlType.IQ3_S),
    IQ3_M(27, GgmlType.IQ3_S),
    IQ2_S(28, GgmlType.IQ2_XS),
    IQ2_M(29, GgmlType.IQ2_S),
    IQ4_XS(30, GgmlType.IQ4_XS),
    IQ1_M(31, GgmlType.IQ1_M),
    BF16(32, GgmlType.BF16),
    TQ1_0(36, GgmlType.TQ1_0),
    TQ2_0(37, GgmlType.TQ2_0);

    private final int id;
    private final GgmlType base;

    FileType(int id, GgmlType base) {
        this.id = id;
        this.base = base;
    }

    /** The {@code general.file_type} value. */
    public int id() {
        return id;
    }

    /** The type most of the model's matrices get (llama-quantize's {@code default_type}). */
    public GgmlType base() {
        return base;
    }

    /** Whether the base type is a quantized one (not F32, F16 or BF16): only then do the mix's rules apply. */
    public boolean quantized() {
        return base != GgmlType.F32 && base != GgmlType.F16 && base != GgmlType.BF16;
    }

    /** The file type of a model quantized to {@code type} as llama-quantize names it ({@code Q4_K} means Q4_K_M). */
    public static FileType of(GgmlType type) {
        return switch (type) {
            case Q3_K -> Q3_K_M;
            case Q4_K -> Q4_K_M;
            case Q5_K -> Q5_K_M;
            default -> Arrays.stream(values()).filter(f -> f.name().equals(type.name())).findFirst()
                    .orElseThrow(() -> new KilnException("llama.cpp has no file type for a model of " + type + " tensors"));
        };
    }

    /** The file type named {@code name} (case-insensitive), or a ggml type's ({@code Q4_K} → Q4_K_M). */
    public static Optional<FileType> named(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        for (FileType f : values()) {
            if (f.name().equals(n)) {
                return Optional.of(f);
            }
        }
        return GgmlType.byName(n).flatMap(t -> {
            try {
                return Optional.of(of(t));
            } catch (KilnException e) {
                return Optional.empty();
            }
        });
    }

    /** The file type named {@code name} as {@link #named}, else a {@link KilnException} listing the names. */
    public static FileType parse(String name) {
        return named(name).orElseThrow(() -> new KilnException("unknown type '" + name
                + "'; use one of llama-quantize's types or mixes: " + names() + " (Q3_K, Q4_K and Q5_K mean their _M mixes)"));
    }

    /** Every name, comma-separated. */
    public static String names() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
