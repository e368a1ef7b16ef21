package dev.kiln.conformance;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract.LlamaQuantizeOutput;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The quant-type contract's checks that need the plugin's own test setup: discovery and real models. */
final class QuantTypeContractModels {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private QuantTypeContractModels() {
    }

    /** A {@code QuantType} service provider of the subject's class is visible to its class loader. */
    static void providedAsService(QuantType type) {
        Class<?> c = type.getClass();
        boolean found = ServiceLoader.load(QuantType.class, c.getClassLoader()).stream().anyMatch(p -> p.type() == c);
        if (!found) {
            throw new AssertionError(c.getName() + " is not provided as a dev.kiln.api.quant.QuantType service: add "
                    + "'provides dev.kiln.api.quant.QuantType with " + c.getName() + ";' to module-info.java and the "
                    + "class name to META-INF/services/dev.kiln.api.quant.QuantType");
        }
    }

    static void matchesLlamaQuantize(QuantType t, List<LlamaQuantizeOutput> outputs) {
        GgmlType g = t.ggmlType();
        int tensors = 0;
        List<String> differing = new ArrayList<>();
        for (LlamaQuantizeOutput o : outputs) {
            try (ModelFile source = QuantGoldenFiles.open(o.source());
                 ModelFile quantized = QuantGoldenFiles.open(o.quantized());
                 Arena arena = Arena.ofConfined()) {
                for (TensorInfo q : quantized.tensors()) {
                    if (q.type() != g) {
                        continue;
                    }
                    TensorInfo src = source.tensor(q.name()).orElseThrow(() -> new AssertionError(
                            o.source().getFileName() + " has no tensor " + q.name()));
                    float[] x = floats(source, src);
                    int columns = Math.toIntExact(q.columns());
                    long rowBytes = t.byteSize(columns);
                    MemorySegment ours = arena.allocate(rowBytes * q.rows());
                    for (int r = 0; r < q.rows(); r++) {
                        t.quantize(x, r * columns, columns, ours, r * rowBytes);
                    }
                    long at = ours.mismatch(quantized.data(q));
                    if (at >= 0) {
                        differing.add(o.quantized().getFileName() + " " + q.name() + " (first at byte " + at + ")");
                    }
                    tensors++;
                }
            }
        }
        if (tensors == 0) {
            throw new AssertionError("no " + g + " tensor in " + outputs.stream().map(o -> o.quantized().getFileName().toString()).toList());
        }
        if (!differing.isEmpty()) {
            throw new AssertionError(g + ": " + differing.size() + " of " + tensors + " tensors differ from llama-quantize's: "
                    + String.join("; ", differing.subList(0, Math.min(5, differing.size()))));
        }
    }

    private static float[] floats(ModelFile file, TensorInfo t) {
        MemorySegment data = file.data(t);
        float[] x = new float[Math.toIntExact(t.elementCount())];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (t.type()) {
                case F32 -> data.getAtIndex(F32, i);
                case F16 -> Float.float16ToFloat(data.getAtIndex(U16, i));
                case BF16 -> Float.intBitsToFloat((data.getAtIndex(U16, i) & 0xFFFF) << 16);
                default -> throw new AssertionError(file.path().getFileName() + ": source tensor " + t.name() + " is "
                        + t.type() + ", not F32, F16 or BF16");
            };
        }
        return x;
    }
}
