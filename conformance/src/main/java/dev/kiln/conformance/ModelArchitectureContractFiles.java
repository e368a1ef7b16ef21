package dev.kiln.conformance;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.model.TensorLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/** The model files {@link ModelArchitectureContract} makes: a small synthetic model, and copies with one key broken. */
final class ModelArchitectureContractFiles {
    /** Presets larger than this are not synthesized for the checks (memory and time). */
    static final long MAX_PARAMETERS = 20_000_000L;
    /** The synthetic model's vocabulary. */
    static final int VOCABULARY = 96;

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ModelArchitectureContractFiles() {
    }

    /** The architecture's smallest preset, if it has one of at most {@link #MAX_PARAMETERS} parameters. */
    static Optional<ModelLayout> smallestLayout(ModelArchitecture architecture) {
        return architecture.presets().stream().map(p -> architecture.layout(p, VOCABULARY))
                .min(Comparator.comparingLong(ModelArchitectureContractFiles::parameters))
                .filter(l -> parameters(l) <= MAX_PARAMETERS);
    }

    static long parameters(ModelLayout layout) {
        return layout.tensors().stream().mapToLong(TensorLayout::elementCount).sum();
    }

    /** Writes {@code layout} as an F32 model: weights N(0, 0.5), norms ones, RoPE factors 1 + |N(0, 0.5)|, no tokenizer. */
    static void synthesize(ModelFormat format, ModelLayout layout, Path out) {
        ModelWriter w = format.create(out);
        w.put("general.architecture", MetadataValue.ofString(layout.architecture()));
        w.put("general.name", MetadataValue.ofString("kiln-conformance-" + layout.preset()));
        layout.metadata().forEach(w::put);
        long seed = 1;
        for (TensorLayout t : layout.tensors()) {
            long tensorSeed = seed++;
            w.addTensor(t.name(), GgmlType.F32, t.shape(), target -> {
                SplittableRandom rnd = new SplittableRandom(tensorSeed);
                for (long i = 0; i < t.elementCount(); i++) {
                    float v = switch (t.kind()) {
                        case ONES -> 1f;
                        case POSITIVE -> (float) (1 + Math.abs(rnd.nextGaussian() * 0.5));
                        case WEIGHTS -> (float) (rnd.nextGaussian() * 0.5);
                    };
                    target.set(FLOAT_LE, 4 * i, v);
                }
            });
        }
        w.write();
    }

    /** Copies {@code source} to {@code out} with {@code key} set to {@code value}, or removed when {@code value} is null. */
    static void withKey(ModelFormat format, Path source, Path out, String key, MetadataValue value) {
        try (ModelFile src = format.open(source)) {
            ModelWriter w = format.create(out);
            for (Map.Entry<String, MetadataValue> e : src.metadata().asMap().entrySet()) {
                if (!e.getKey().equals(key)) {
                    w.put(e.getKey(), e.getValue());
                }
            }
            if (value != null) {
                w.put(key, value);
            }
            for (TensorInfo ti : src.tensors()) {
                w.addTensor(ti.name(), ti.type(), ti.shape(), target -> target.copyFrom(src.data(ti)));
            }
            w.write();
        }
    }
}
