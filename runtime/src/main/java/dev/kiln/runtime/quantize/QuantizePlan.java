package dev.kiln.runtime.quantize;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the quantizer ({@code kiln quantize}) does with each tensor, in the order llama-quantize
 * writes them ({@link TensorOrder}). By default each tensor llama-quantize quantizes gets the type
 * its mix chooses ({@link QuantMix}: output and embedding rules, "more bits" layers, fallbacks for
 * rows the blocks do not divide). A pure plan, as llama-quantize {@code --pure}, puts every such
 * tensor in the file type's base type, except that a weight whose rows are not a whole number of
 * its blocks takes llama.cpp's fallback type when a plugin provides it and it fits, else keeps its
 * own type. Every other tensor is copied unchanged (so 1-D tensors and norms stay F32). Each
 * fallback is a note.
 */
public record QuantizePlan(FileType fileType, List<Step> steps, List<String> notes) {

    /** One tensor: its source type's plugin (null when copied) and the type it is written in (empty: copied). */
    public record Step(TensorInfo tensor, QuantType from, Optional<QuantType> to) {
    }

    public QuantizePlan {
        steps = List.copyOf(steps);
        notes = List.copyOf(notes);
    }

    /**
     * The plan for quantizing {@code in} to {@code fileType}.
     *
     * @param pure every quantized tensor in {@code fileType}'s base type, as llama-quantize {@code --pure}
     * @throws KilnException if a weight is not F32/F16/BF16, a type the plan needs has no plugin, or
     *                       a tensor's rows fit neither the mix's type nor its fallback
     */
    public static QuantizePlan of(ModelFile in, FileType fileType, boolean pure, QuantTypes types) {
        List<TensorInfo> tensors = new ArrayList<>(in.tensors());
        tensors.sort(Comparator.comparing(TensorInfo::name, TensorOrder.LLAMA));
        tensors.stream().filter(QuantizePlan::quantizable).forEach(t -> requireFloatRows(in, t));
        Map<String, QuantMix.Choice> mix = new HashMap<>();
        if (!pure) {
            List<QuantMix.Tensor> shapes = tensors.stream().map(t -> new QuantMix.Tensor(t.name(), t.shape())).toList();
            try {
                QuantMix.choose(fileType, QuantMix.Model.of(in.metadata()), shapes).forEach(c -> mix.put(c.tensor(), c));
            } catch (KilnException e) {
                throw new KilnException(in.path() + ": " + e.getMessage(), e);
            }
        }
        List<Step> steps = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (!quantizable(t)) {
                steps.add(new Step(t, null, Optional.empty()));
                continue;
            }
            GgmlType to = pure ? pureType(t, fileType.base(), types, notes) : mixType(mix.get(t.name()), t, notes);
            if (to == t.type()) {
                steps.add(new Step(t, null, Optional.empty()));
            } else {
                String what = in.path() + ": tensor " + t.name();
                steps.add(new Step(t, types.require(t.type(), what), Optional.of(types.require(to, what + " (" + fileType
                        + (pure ? " pure" : "") + " puts it in " + to + ")"))));
            }
        }
        return new QuantizePlan(fileType, steps, notes);
    }

    private static boolean quantizable(TensorInfo t) {
        return QuantMix.quantizable(new QuantMix.Tensor(t.name(), t.shape()));
    }

    private static void requireFloatRows(ModelFile in, TensorInfo t) {
        if (t.type() != GgmlType.F32 && t.type() != GgmlType.F16 && t.type() != GgmlType.BF16) {
            throw new KilnException(in.path() + ": tensor " + t.name() + " is " + t.type()
                    + "; kiln quantize takes F32, F16 or BF16 weights (requantizing is not supported)");
        }
        if (t.columns() > Integer.MAX_VALUE - 8) {
            throw new KilnException(in.path() + ": tensor " + t.name() + " has rows of " + t.columns()
                    + " elements, more than kiln quantize handles");
        }
    }

    /** The base type, or its fallback when the blocks do not divide a row, or the tensor's own type if neither fits. */
    private static GgmlType pureType(TensorInfo t, GgmlType base, QuantTypes types, List<String> notes) {
        if (base.fitsRow(t.columns())) {
            return base;
        }
        Optional<GgmlType> fallback = QuantMix.fallbackFor(base)
                .filter(f -> f.fitsRow(t.columns()) && types.find(f).isPresent());
        notes.add(fallbackNote(t, base, fallback.map(f -> "using " + f).orElse("keeping " + t.type())));
        return fallback.orElse(t.type());
    }

    private static GgmlType mixType(QuantMix.Choice choice, TensorInfo t, List<String> notes) {
        if (choice.fellBack()) {
            notes.add(fallbackNote(t, choice.wanted(), "using " + choice.type()));
        }
        return choice.type();
    }

    private static String fallbackNote(TensorInfo t, GgmlType wanted, String outcome) {
        return t.name() + ": rows of " + t.columns() + " are not a multiple of " + wanted + "'s "
                + wanted.blockSize() + "-element blocks; " + outcome;
    }

    /** Elements of every tensor: the progress bar's 100%. */
    public long totalElements() {
        return steps.stream().mapToLong(s -> s.tensor().elementCount()).sum();
    }
}
