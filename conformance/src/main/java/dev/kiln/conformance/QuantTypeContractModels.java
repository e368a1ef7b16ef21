package dev.kiln.conformance;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract.LlamaQuantizeDigest;
import dev.kiln.conformance.QuantTypeContract.LlamaQuantizeOutput;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The quant-type contract's checks that need the plugin's own test setup: discovery and real models (whole files or digests). */
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
                    long at = quantized(t, source, q.name(), arena).mismatch(quantized.data(q));
                    if (at >= 0) {
                        differing.add(o.quantized().getFileName() + " " + q.name() + " (first at byte " + at + ")");
                    }
                    tensors++;
                }
            }
        }
        report(g, tensors, differing, outputs.stream().map(o -> o.quantized().getFileName().toString()).toList());
    }

    static void matchesLlamaQuantizeDigests(QuantType t, List<LlamaQuantizeDigest> digests) {
        GgmlType g = t.ggmlType();
        int tensors = 0;
        List<String> differing = new ArrayList<>();
        for (LlamaQuantizeDigest d : digests) {
            Map<String, Map<String, LlamaQuantizeDigests.Entry>> files = LlamaQuantizeDigests.read(d.digests());
            try (ModelFile source = QuantGoldenFiles.open(d.source()); Arena arena = Arena.ofConfined()) {
                Map<String, String> ours = new HashMap<>(); // tensor → sha256 of our quantization, made once
                for (Map.Entry<String, Map<String, LlamaQuantizeDigests.Entry>> file : files.entrySet()) {
                    for (Map.Entry<String, LlamaQuantizeDigests.Entry> e : file.getValue().entrySet()) {
                        if (!e.getValue().type().equals(g.name())) {
                            continue;
                        }
                        String name = e.getKey();
                        String sha = ours.computeIfAbsent(name, n -> sha256(quantized(t, source, n, arena)));
                        if (!sha.equals(e.getValue().sha256())) {
                            differing.add(file.getKey() + " " + name);
                        }
                        tensors++;
                    }
                }
            }
        }
        report(g, tensors, differing, digests.stream().map(d -> d.digests().toString()).toList());
    }

    private static void report(GgmlType g, int tensors, List<String> differing, List<String> where) {
        if (tensors == 0) {
            throw new AssertionError("no " + g + " tensor in " + where);
        }
        if (!differing.isEmpty()) {
            throw new AssertionError(g + ": " + differing.size() + " of " + tensors + " tensors differ from llama-quantize's: "
                    + String.join("; ", differing.subList(0, Math.min(5, differing.size()))));
        }
    }

    /** Tensor {@code name} of {@code source}, quantized row by row to {@code t}. */
    private static MemorySegment quantized(QuantType t, ModelFile source, String name, Arena arena) {
        TensorInfo src = source.tensor(name).orElseThrow(() -> new AssertionError(
                source.path().getFileName() + " has no tensor " + name));
        float[] x = floats(source, src);
        int columns = Math.toIntExact(src.columns());
        long rowBytes = t.byteSize(columns);
        MemorySegment out = arena.allocate(rowBytes * src.rows());
        for (int r = 0; r < src.rows(); r++) {
            t.quantize(x, r * columns, columns, out, r * rowBytes);
        }
        return out;
    }

    private static String sha256(MemorySegment bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toArray(ValueLayout.JAVA_BYTE)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
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
