package dev.kiln.conformance;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The quant golden files the kit carries as resources ({@code dev/kiln/conformance/quant/*.gguf},
 * copied from {@code fixtures/quant}), read through whatever GGUF {@link ModelFormat} plugin is
 * on the class or module path. Tensors are small and are loaded into memory once per JVM.
 */
final class QuantGoldenFiles {
    static final String SOURCE = "source.f32.gguf";
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Map<String, Optional<Path>> EXTRACTED = new ConcurrentHashMap<>();
    private static final Map<Path, List<FloatTensor>> FLOATS = new ConcurrentHashMap<>();
    private static final Map<Path, List<QuantTensor>> QUANTS = new ConcurrentHashMap<>();

    private QuantGoldenFiles() {
    }

    /** An F32 tensor as rows of {@code columns} values. */
    record FloatTensor(String name, int rows, int columns, float[] values) {
        /** This tensor's first {@code n} rows (itself when it has no more). */
        FloatTensor firstRows(int n) {
            return n >= rows ? this : new FloatTensor(name, n, columns, Arrays.copyOf(values, n * columns));
        }

        float[] row(int r) {
            float[] out = new float[columns];
            System.arraycopy(values, r * columns, out, 0, columns);
            return out;
        }
    }

    /** A tensor's raw blocks in an off-heap, read-only segment (as a mapped model would give). */
    record QuantTensor(String name, GgmlType type, int rows, int columns, long rowBytes, MemorySegment data) {
    }

    /** File name of the quantized golden data for {@code type}: lowercase type name + .gguf. */
    static String quantizedName(GgmlType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT) + ".gguf";
    }

    /** File name of the dequantized golden data for {@code type}. */
    static String dequantizedName(GgmlType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT) + ".dequant.f32.gguf";
    }

    /** File name of the dot-product golden data for {@code type} (see tools/make_quant_kit_golden.py). */
    static String dotName(GgmlType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT) + ".dot.txt";
    }

    /** {@code fileName} from {@code directory} if given and present there, else from the kit's resources. */
    static Optional<Path> find(String fileName, Path directory) {
        if (directory != null && Files.isRegularFile(directory.resolve(fileName))) {
            return Optional.of(directory.resolve(fileName));
        }
        return EXTRACTED.computeIfAbsent(fileName, QuantGoldenFiles::extract);
    }

    /** Copies a resource to a temp file: the format plugins open paths, not streams. */
    private static Optional<Path> extract(String fileName) {
        try (InputStream in = QuantGoldenFiles.class.getResourceAsStream("quant/" + fileName)) {
            if (in == null) {
                return Optional.empty();
            }
            Path tmp = Files.createTempFile("kiln-golden-", "-" + fileName);
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract golden file " + fileName, e);
        }
    }

    static List<FloatTensor> floats(Path file) {
        return FLOATS.computeIfAbsent(file, QuantGoldenFiles::readFloats);
    }

    static List<QuantTensor> quants(Path file) {
        return QUANTS.computeIfAbsent(file, QuantGoldenFiles::readQuants);
    }

    private static List<FloatTensor> readFloats(Path file) {
        List<FloatTensor> out = new ArrayList<>();
        try (ModelFile f = open(file)) {
            for (TensorInfo t : f.tensors()) {
                if (t.type() != GgmlType.F32) {
                    throw new AssertionError(file.getFileName() + ": tensor " + t.name() + " is " + t.type()
                            + ", expected F32");
                }
                int rows = Math.toIntExact(t.rows());
                int columns = Math.toIntExact(t.columns());
                float[] v = new float[Math.multiplyExact(rows, columns)];
                MemorySegment.copy(f.data(t), F32, 0, v, 0, v.length);
                out.add(new FloatTensor(t.name(), rows, columns, v));
            }
        }
        return List.copyOf(out);
    }

    private static List<QuantTensor> readQuants(Path file) {
        List<QuantTensor> out = new ArrayList<>();
        try (ModelFile f = open(file)) {
            for (TensorInfo t : f.tensors()) {
                MemorySegment src = f.data(t);
                MemorySegment copy = Arena.ofAuto().allocate(Math.max(1, src.byteSize()), 64)
                        .asSlice(0, src.byteSize());
                copy.copyFrom(src);
                int rows = Math.toIntExact(t.rows());
                out.add(new QuantTensor(t.name(), t.type(), rows, Math.toIntExact(t.columns()),
                        t.type().byteSize(t.columns()), copy.asReadOnly()));
            }
        }
        return List.copyOf(out);
    }

    static ModelFile open(Path file) {
        for (ModelFormat format : ServiceLoader.load(ModelFormat.class)) {
            if (format.recognizes(file)) {
                return format.open(file);
            }
        }
        throw new AssertionError("no ModelFormat plugin on the class or module path reads " + file.getFileName()
                + " (a GGUF file); add a GGUF reader such as Kiln's format-gguf to the test dependencies");
    }
}
