package dev.kiln.runtime.quantize;

import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Writes a quantized copy of a model, tensor by tensor, following a {@link QuantizePlan}: the
 * metadata copied with {@code general.file_type} and {@code general.quantization_version} set,
 * each weight quantized row by row through floats (or its bytes copied unchanged).
 */
public final class ModelQuantizer {

    private ModelQuantizer() {
    }

    /**
     * Adds {@code in}'s metadata and tensors, quantized as {@code plan} says, to {@code writer};
     * the caller then writes it ({@link ModelWriter#write}), and {@code progress} hears each
     * tensor's element count when it is done (from the writer's threads).
     */
    public static void addTo(ModelWriter writer, ModelFile in, QuantizePlan plan, FileType fileType,
                             LongConsumer progress) {
        Objects.requireNonNull(progress, "progress is null");
        writer.putAll(in.metadata());
        writer.put("general.quantization_version", MetadataValue.ofUint32(2));
        writer.put("general.file_type", MetadataValue.ofUint32(fileType.id()));
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
