package dev.kiln.runtime.synth;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.model.TensorLayout;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.runtime.quantize.FileType;
import dev.kiln.runtime.quantize.QuantMix;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * A random-weight model file from an architecture's {@link ModelLayout}, for benchmarks and tests
 * anyone can reproduce without a download: matrices N(0, std) quantized through the quant plugins
 * in the types llama-quantize would give them ({@link QuantMix}; or all in the file type's base
 * type when pure), norms 1.0, RoPE factors 1 + |N(0, std)|, other tensors in F32, the tokenizer copied from a vocab file.
 * Each tensor draws from its own seeded stream, so a seed gives the same file whatever the thread
 * count.
 *
 * @param layout the architecture's tensors and metadata
 * @param fileType the file type whose mix gives the tensor types
 * @param pure every quantized tensor in the file type's base type
 * @param std the weights' standard deviation
 * @param seed the random seed
 */
public record SyntheticModel(ModelLayout layout, FileType fileType, boolean pure, double std, long seed) {

    public SyntheticModel {
        if (!(std >= 0) || !Double.isFinite(std)) {
            throw new KilnException("the weights' standard deviation must be a finite number, 0 or more, got " + std);
        }
    }

    /** The {@code general.name} the file gets. */
    public String name() {
        return "kiln-synth-" + layout.preset() + "-" + fileType.name() + (pure ? "-pure" : "");
    }

    /** Parameters in all. */
    public long parameters() {
        return layout.tensors().stream().mapToLong(TensorLayout::elementCount).sum();
    }

    /**
     * Checks every tensor's type against the plugins and adds the file's metadata (the
     * vocabulary's {@code tokenizer.ggml.*} keys copied) and tensors to {@code writer}; the caller
     * then writes it ({@link ModelWriter#write}), and {@code progress} hears each tensor's element
     * count when it is done.
     */
    public void addTo(ModelWriter writer, ModelFile vocabulary, QuantTypes types, LongConsumer progress) {
        Map<String, GgmlType> chosen = typesOf();
        GgmlType[] typeOf = new GgmlType[layout.tensors().size()];
        for (int i = 0; i < typeOf.length; i++) {
            TensorLayout t = layout.tensors().get(i);
            typeOf[i] = chosen.getOrDefault(t.name(), GgmlType.F32);
            QuantType q = types.require(typeOf[i], t.name());
            if (!q.ggmlType().fitsRow(t.shape()[0])) {
                throw new KilnException(t.name() + ": rows of " + t.shape()[0] + " do not fit " + q.name() + " blocks");
            }
        }
        writer.put("general.architecture", MetadataValue.ofString(layout.architecture()));
        writer.put("general.name", MetadataValue.ofString(name()));
        writer.put("general.file_type", MetadataValue.ofUint32(fileType.id()));
        layout.metadata().forEach(writer::put);
        writer.put("general.quantization_version", MetadataValue.ofUint32(2));
        for (Map.Entry<String, MetadataValue> e : vocabulary.metadata().asMap().entrySet()) {
            if (e.getKey().startsWith("tokenizer.ggml.")) {
                writer.put(e.getKey(), e.getValue());
            }
        }
        for (int i = 0; i < typeOf.length; i++) {
            TensorLayout t = layout.tensors().get(i);
            QuantType q = types.require(typeOf[i], t.name());
            long tensorSeed = seed * 0x9E3779B97F4A7C15L + i;
            writer.addTensor(t.name(), typeOf[i], t.shape(), target -> {
                fill(target, t, q, tensorSeed);
                progress.accept(t.elementCount());
            });
        }
    }

    /** The type of each tensor llama-quantize would quantize; the rest are F32. */
    private Map<String, GgmlType> typesOf() {
        List<QuantMix.Tensor> tensors = layout.tensors().stream().map(t -> new QuantMix.Tensor(t.name(), t.shape())).toList();
        Map<String, GgmlType> types = new HashMap<>();
        if (pure) {
            tensors.stream().filter(QuantMix::quantizable).forEach(t -> types.put(t.name(), fileType.base()));
        } else {
            Map<String, MetadataValue> metadata = new LinkedHashMap<>(layout.metadata());
            metadata.put("general.architecture", MetadataValue.ofString(layout.architecture()));
            QuantMix.choose(fileType, QuantMix.Model.of(new Metadata(metadata)), tensors)
                    .forEach(c -> types.put(c.tensor(), c.type()));
        }
        return types;
    }

    /** Writes one tensor: rows of N(0, std) (or 1.0) quantized straight into the file. */
    private void fill(MemorySegment target, TensorLayout t, QuantType q, long tensorSeed) {
        long[] shape = t.shape();
        int columns = (int) shape[0];
        long rows = t.elementCount() / columns;
        float[] row = new float[columns];
        long rowBytes = q.byteSize(columns);
        SplittableRandom random = new SplittableRandom(tensorSeed);
        for (long r = 0; r < rows; r++) {
            if (t.kind() == TensorLayout.Kind.ONES) {
                Arrays.fill(row, 1f);
            } else if (t.kind() == TensorLayout.Kind.POSITIVE) {
                for (int c = 0; c < columns; c++) {
                    row[c] = (float) (1 + Math.abs(random.nextGaussian() * std));
                }
            } else {
                for (int c = 0; c < columns; c++) {
                    row[c] = (float) (random.nextGaussian() * std);
                }
            }
            q.quantize(row, 0, columns, target, r * rowBytes);
        }
    }
}
