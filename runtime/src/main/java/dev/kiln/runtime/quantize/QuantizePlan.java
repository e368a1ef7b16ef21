package dev.kiln.runtime.quantize;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the quantizer ({@code kiln quantize}) does with each tensor, following llama-quantize {@code --pure}:
 * every tensor whose name ends in {@code weight}, has two or more dimensions and is not a norm
 * (nor one of the small special tensors llama.cpp leaves alone) becomes the target type; every
 * other tensor is copied unchanged (so 1-D tensors and norms stay F32). A weight whose rows are
 * not a whole number of the target's blocks takes llama.cpp's fallback type for the target
 * when a plugin provides it and it fits, else keeps its own type; each such choice is a note.
 */
public record QuantizePlan(List<Step> steps, List<String> notes) {

    /** One tensor: its source type's plugin (null when copied) and the type it is written in (empty: copied). */
    public record Step(TensorInfo tensor, QuantType from, Optional<QuantType> to) {
    }

    /** Name parts of tensors llama.cpp never quantizes, even when 2-D. */
    private static final List<String> NEVER = List.of("_norm.weight", "ffn_gate_inp.weight", "pos_embd",
            "token_types", "ssm_conv1d.weight", "shortconv.conv.weight", "time_mix_first.weight",
            "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_decay_w1.weight",
            "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight");

    public static QuantizePlan of(ModelFile in, QuantType target, QuantTypes types) {
        List<Step> steps = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (TensorInfo t : in.tensors()) {
            if (!quantizable(t)) {
                steps.add(new Step(t, null, Optional.empty()));
                continue;
            }
            if (t.type() != GgmlType.F32 && t.type() != GgmlType.F16 && t.type() != GgmlType.BF16) {
                throw new KilnException(in.path() + ": tensor " + t.name() + " is " + t.type()
                        + "; kiln quantize takes F32, F16 or BF16 weights (requantizing is not supported)");
            }
            if (t.columns() > Integer.MAX_VALUE - 8) {
                throw new KilnException(in.path() + ": tensor " + t.name() + " has rows of " + t.columns()
                        + " elements, more than kiln quantize handles");
            }
            QuantType from = types.require(t.type(), in.path() + ": tensor " + t.name());
            QuantType to = target;
            if (!target.ggmlType().fitsRow(t.columns())) {
                to = fallback(target.ggmlType(), t.columns(), types).orElse(null);
                notes.add(t.name() + ": rows of " + t.columns() + " are not a multiple of " + target.name() + "'s "
                        + target.blockSize() + "-element blocks; " + (to == null ? "keeping " + t.type() : "using " + to.name()));
            }
            if (to == null || to.ggmlType() == t.type()) {
                steps.add(new Step(t, null, Optional.empty()));
            } else {
                steps.add(new Step(t, from, Optional.of(to)));
            }
        }
        return new QuantizePlan(List.copyOf(steps), List.copyOf(notes));
    }

    /** Elements of every tensor: the progress bar's 100%. */
    public long totalElements() {
        return steps.stream().mapToLong(s -> s.tensor().elementCount()).sum();
    }

    /** llama.cpp's rule: a name ending in "weight", two or more dimensions, not a norm or special tensor. */
    public static boolean quantizable(TensorInfo t) {
        if (!t.name().endsWith("weight") || t.rank() < 2) {
            return false;
        }
        return NEVER.stream().noneMatch(n -> t.name().contains(n));
    }

    /** llama.cpp's fallback for a target whose blocks do not fit a row, if a plugin has it and it fits. */
    private static Optional<QuantType> fallback(GgmlType target, long columns, QuantTypes types) {
        GgmlType alternative = switch (target) {
            case TQ1_0, TQ2_0 -> GgmlType.Q4_0;
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M, Q2_K, Q3_K, IQ4_XS -> GgmlType.IQ4_NL;
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> null;
        };
        if (alternative == null || !alternative.fitsRow(columns)) {
            return Optional.empty();
        }
        return types.find(alternative);
    }
}
