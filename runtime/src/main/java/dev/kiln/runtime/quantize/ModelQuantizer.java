package dev.kiln.runtime.quantize;

import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Writes a quantized copy of a model, tensor by tensor, following a {@link QuantizePlan}: the
 * metadata copied as llama-quantize copies it (split keys dropped, {@code general.quantization_version}
 * and {@code general.file_type} moved to the end with their new values), the tensors in the
 * plan's order, each weight quantized row by row through floats (or its bytes copied unchanged).
 */
public final class ModelQuantizer {

    private static final String QUANTIZATION_VERSION = "general.quantization_version";
    private static final String FILE_TYPE = "general.file_type";
    /** Keys llama-quantize does not copy: the two it sets anew, and a split model's (the output is one file). */
    private static final Set<String> REPLACED = Set.of(QUANTIZATION_VERSION, FILE_TYPE, "split.no", "split.count",
            "split.tensors.count");

    private ModelQuantizer() {
    }

    /**
     * Adds {@code in}'s metadata and tensors, quantized as {@code plan} says, to {@code writer};
     * the caller then writes it ({@link ModelWriter#write}), and {@code progress} hears each
     * tensor's element count when it is done (from the writer's threads).
     */
    public static void addTo(ModelWriter writer, ModelFile in, QuantizePlan plan, LongConsumer progress) {
        Objects.requireNonNull(progress, "progress is null");
        in.metadata().asMap().forEach((key, value) -> {
            if (!REPLACED.contains(key)) {
                writer.put(key, value);
            }
        });
        writer.put(QUANTIZATION_VERSION, MetadataValue.ofUint32(2));
        writer.put(FILE_TYPE, MetadataValue.ofUint32(plan.fileType().id()));
        for (QuantizePlan.Step step : plan.steps()) {
            TensorInfo t = step.tensor();
            writer.addTensor(t.name(), step.to().map(QuantType::ggmlType).orElse(t.type()), t.shape(), target -> {
                fill(in, step, target);
                progress.accept(t.elementCount());
            });
        }
    }

    /** Writes one tensor: quantized row by row through floats, or its bytes copied unchanged. */
    private static void fill(ModelFile in, QuantizePlan.Step step, MemorySegment target) {
        MemorySegment source = in.data(step.tensor());
        Optional<QuantType> to = step.to();
        if (to.isEmpty()) {
            target.copyFrom(source);
            return;
        }
        QuantType from = step.from();
        int columns = (int) step.tensor().columns();
        long rows = step.tensor().rows();
        long sourceRowBytes = from.byteSize(columns);
        long targetRowBytes = to.get().byteSize(columns);
        float[] row = new float[columns];
        for (long r = 0; r < rows; r++) {
            from.dequantize(source, r * sourceRowBytes, row, 0, columns);
            to.get().quantize(row, 0, columns, target, r * targetRowBytes);
        }
    }
}
