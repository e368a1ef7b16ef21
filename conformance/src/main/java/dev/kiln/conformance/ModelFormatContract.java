package dev.kiln.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.ModelFormatException;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.format.ValueType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * The model-format contract: what a format plugin writes it must read back exactly. Every
 * metadata value type at its extremes (unsigned values at their maximum, UINT64 as raw bits,
 * floats including NaN, infinities and -0 compared bit for bit), strings from empty to emoji,
 * arrays of every type, empty and nested arrays, key order; tensors of several types and
 * ranks with a requested {@code general.alignment} honoured and their bytes intact; and
 * {@link ModelFormat#recognizes} and {@link ModelFormat#open} on files that are not models; a
 * writer fills a new or empty file and never one with content.
 *
 * <p>A format plugin's test suite subclasses this and returns its format from {@link #subject()}.
 * Files are written under a fresh temporary directory that each check deletes again.
 */
public abstract class ModelFormatContract {
    private static final String CONTRACT = "ModelFormat";

    /** The format under test. */
    protected abstract ModelFormat subject();

    @TestFactory
    public Stream<DynamicTest> modelFormatContract() {
        return checks(subject()).stream().map(Check::toDynamicTest);
    }

    /** The checks for {@code format}. */
    public static List<Check> checks(ModelFormat format) {
        List<Check> checks = new ArrayList<>();
        checks.add(check("name is non-empty", () -> assertFalse(format.name() == null || format.name().isBlank(),
                "format name is empty")));
        for (Map.Entry<ValueType, List<MetadataValue>> e : ModelFormatContractValues.scalars().entrySet()) {
            checks.add(check("round trip of " + e.getKey() + " values " + e.getValue(),
                    () -> roundTripMetadata(format, prefixed(e.getKey().name().toLowerCase(java.util.Locale.ROOT), e.getValue()))));
        }
        for (Map.Entry<ValueType, MetadataArray> e : ModelFormatContractValues.arrays().entrySet()) {
            checks.add(check("round trip of an array of " + e.getKey(),
                    () -> roundTripMetadata(format, Map.of("array." + e.getKey(), MetadataValue.ofArray(e.getValue())))));
        }
        checks.add(check("round trip of empty arrays of every element type", () -> {
            Map<String, MetadataValue> m = new LinkedHashMap<>();
            for (ValueType t : ValueType.values()) {
                m.put("empty." + t, MetadataValue.ofArray(ModelFormatContractValues.emptyArray(t)));
            }
            roundTripMetadata(format, m);
        }));
        checks.add(check("round trip of nested arrays", () -> roundTripMetadata(format, Map.of(
                "nested.mixed", MetadataValue.ofArray(ModelFormatContractValues.nested()),
                "nested.deep", MetadataValue.ofArray(ModelFormatContractValues.deeplyNested(3))))));
        checks.add(check("metadata keeps insertion order; putting a key again replaces its value",
                () -> keyOrder(format)));
        checks.add(check("tensor round trip: types, ranks, bytes, general.alignment 64 honoured",
                () -> tensorRoundTrip(format, 64, 1)));
        checks.add(check("tensor round trip written with 3 threads, default alignment",
                () -> tensorRoundTrip(format, 0, 3)));
        checks.add(check("a file with metadata only (no tensors)", () -> roundTripMetadata(format,
                Map.of("general.architecture", MetadataValue.ofString("llama")))));
        checks.add(check("recognizes a written file and nothing else", () -> recognizes(format)));
        checks.add(check("writes into an empty file it is given; never into one with content",
                () -> writesOnlyNewOrEmptyFiles(format)));
        checks.add(check("open of a missing or non-model file is a ModelFormatException", () -> rejects(format)));
        return checks;
    }

    private static Check check(String name, Executable body) {
        return new Check(CONTRACT, name, body);
    }

    private static Map<String, MetadataValue> prefixed(String prefix, List<MetadataValue> values) {
        Map<String, MetadataValue> m = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
            m.put(prefix + "." + i, values.get(i));
        }
        return m;
    }

    private static void roundTripMetadata(ModelFormat format, Map<String, MetadataValue> entries) {
        inTempDir(dir -> {
            Path file = dir.resolve("metadata." + format.name());
            ModelWriter w = format.create(file);
            entries.forEach(w::put);
            w.write();
            try (ModelFile f = format.open(file)) {
                assertTrue(f.version() > 0, "version() must be positive");
                assertTrue(f.tensors().isEmpty(), "no tensors were written");
                Metadata got = f.metadata();
                for (Map.Entry<String, MetadataValue> e : entries.entrySet()) {
                    assertTrue(got.contains(e.getKey()), "key '" + e.getKey() + "' was lost");
                    assertSameValue(e.getKey(), e.getValue(), got.get(e.getKey()));
                }
                for (String key : got.keys()) {
                    assertTrue(entries.containsKey(key) || key.startsWith("general."),
                            "key '" + key + "' was never written");
                }
            }
        });
    }

    /** Equal type and value; floats bit for bit (NaN, -0), nested arrays recursively. */
    static void assertSameValue(String what, MetadataValue want, MetadataValue got) {
        assertNotNull(got, what + " is missing");
        assertEquals(want.type(), got.type(), what + " type");
        if (want.type() == ValueType.ARRAY) {
            assertSameArray(what, (MetadataArray) want.value(), (MetadataArray) got.value());
        } else {
            assertSameScalar(what, want.value(), got.value());
        }
    }

    private static void assertSameScalar(String what, Object want, Object got) {
        if (want instanceof Float f) {
            assertTrue(got instanceof Float, what + " should be a Float, is " + got.getClass().getSimpleName());
            assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits((Float) got),
                    what + ": float bits of " + want + " vs " + got);
        } else if (want instanceof Double d) {
            assertTrue(got instanceof Double, what + " should be a Double, is " + got.getClass().getSimpleName());
            assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) got),
                    what + ": double bits of " + want + " vs " + got);
        } else {
            assertEquals(want, got, what);
        }
    }

    private static void assertSameArray(String what, MetadataArray want, MetadataArray got) {
        assertNotNull(got, what + " is missing");
        assertEquals(want.elementType(), got.elementType(), what + " element type");
        assertEquals(want.length(), got.length(), what + " length");
        for (int i = 0; i < want.length(); i++) {
            assertSameValue(what + "[" + i + "]", want.get(i), got.get(i));
        }
    }

    private static void keyOrder(ModelFormat format) {
        inTempDir(dir -> {
            Path file = dir.resolve("order." + format.name());
            List<String> keys = List.of("z.last.first", "a.first", "m.middle", "general.name", "b.second");
            ModelWriter w = format.create(file);
            for (String k : keys) {
                w.put(k, MetadataValue.ofString(k));
            }
            w.put("m.middle", MetadataValue.ofUint32(7));
            w.write();
            try (ModelFile f = format.open(file)) {
                assertEquals(keys, List.copyOf(f.metadata().keys()), "key order");
                assertSameValue("m.middle", MetadataValue.ofUint32(7), f.metadata().get("m.middle"));
            }
        });
    }

    private record TensorSpec(String name, GgmlType type, long[] shape) {
    }

    private static void tensorRoundTrip(ModelFormat format, int alignment, int threads) {
        List<TensorSpec> specs = List.of(
                new TensorSpec("token_embd.weight", GgmlType.Q8_0, new long[] {64, 5}),
                new TensorSpec("blk.0.attn_norm.weight", GgmlType.F32, new long[] {7}),
                new TensorSpec("blk.0.ffn_up.weight", GgmlType.Q4_K, new long[] {256, 3}),
                new TensorSpec("blk.0.attn_q.weight", GgmlType.F16, new long[] {3, 5, 2}),
                new TensorSpec("blk.0.odd.weight", GgmlType.BF16, new long[] {1, 3, 1, 5}),
                new TensorSpec("output.weight", GgmlType.Q6_K, new long[] {256, 2}),
                new TensorSpec("blk.0.q4.weight", GgmlType.Q4_0, new long[] {96, 1}));
        inTempDir(dir -> {
            Path file = dir.resolve("tensors." + format.name());
            ModelWriter w = format.create(file);
            w.put("general.architecture", MetadataValue.ofString("llama"));
            if (alignment > 0) {
                w.put("general.alignment", MetadataValue.ofUint32(alignment));
            }
            for (int i = 0; i < specs.size(); i++) {
                TensorSpec s = specs.get(i);
                int seed = i;
                w.addTensor(s.name(), s.type(), s.shape(), target -> fillPattern(target, seed));
            }
            w.write(threads);
            assertTrue(format.recognizes(file), "recognizes() is false for a file it wrote");
            try (ModelFile f = format.open(file)) {
                if (alignment > 0) {
                    assertEquals(alignment, f.alignment(), "alignment() must be the requested general.alignment");
                }
                assertTrue(f.alignment() > 0 && Long.bitCount(f.alignment()) == 1, "alignment is a power of two");
                assertEquals(specs.size(), f.tensors().size(), "tensor count");
                long size = Files.size(file);
                for (int i = 0; i < specs.size(); i++) {
                    TensorSpec s = specs.get(i);
                    TensorInfo t = f.tensors().get(i);
                    assertEquals(s.name(), t.name(), "tensor #" + i + " name (file order)");
                    assertEquals(s.type(), t.type(), s.name() + " type");
                    assertArrayEquals(s.shape(), t.shape(), s.name() + " shape");
                    long elements = 1;
                    for (long d : s.shape()) {
                        elements *= d;
                    }
                    assertEquals(s.type().byteSize(elements), t.byteSize(), s.name() + " byte size");
                    assertEquals(0, t.offset() % f.alignment(), s.name() + " offset " + t.offset() + " is not aligned");
                    assertTrue(t.offset() >= 0 && t.offset() + t.byteSize() <= size, s.name() + " lies outside the file");
                    assertEquals(t, f.tensor(s.name()).orElseThrow(), s.name() + " by name");
                    MemorySegment data = f.data(t);
                    assertEquals(t.byteSize(), data.byteSize(), s.name() + " data length");
                    assertTrue(data.isReadOnly(), s.name() + " data must be read-only");
                    assertPattern(s.name(), data, i);
                }
                List<TensorInfo> byOffset = new ArrayList<>(f.tensors());
                byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
                for (int i = 1; i < byOffset.size(); i++) {
                    TensorInfo a = byOffset.get(i - 1);
                    assertTrue(a.offset() + a.byteSize() <= byOffset.get(i).offset(), a.name() + " overlaps the next tensor");
                }
                assertFalse(f.tensor("no.such.tensor").isPresent(), "tensor() of an unknown name");
            }
        });
    }

    /** Bytes that differ per tensor and per position, so a swapped or shifted slice shows. */
    private static void fillPattern(MemorySegment target, int seed) {
        for (long j = 0; j < target.byteSize(); j++) {
            target.set(ValueLayout.JAVA_BYTE, j, patternByte(seed, j));
        }
    }

    private static byte patternByte(int seed, long j) {
        long x = (j + 1) * 0x9E3779B97F4A7C15L + seed * 0xBF58476D1CE4E5B9L;
        return (byte) (x ^ (x >>> 29));
    }

    private static void assertPattern(String name, MemorySegment data, int seed) {
        for (long j = 0; j < data.byteSize(); j++) {
            if (data.get(ValueLayout.JAVA_BYTE, j) != patternByte(seed, j)) {
                fail(name + " byte " + j + " differs from what its source wrote");
            }
        }
    }

    private static void recognizes(ModelFormat format) {
        inTempDir(dir -> {
            Path file = dir.resolve("model." + format.name());
            format.create(file).put("general.architecture", MetadataValue.ofString("llama")).write();
            assertTrue(format.recognizes(file), "a file it wrote");
            assertFalse(format.recognizes(dir.resolve("missing.bin")), "a missing file");
            assertFalse(format.recognizes(dir), "a directory");
            assertFalse(format.recognizes(write(dir.resolve("empty.bin"), new byte[0])), "an empty file");
            assertFalse(format.recognizes(write(dir.resolve("text.txt"), "hello, world\n".getBytes())), "a text file");
        });
    }

    /**
     * The engine replaces files by having the writer fill an empty partial file it created, then
     * renaming that into place (runtime's OutputFile); so a writer must fill an empty file, and
     * must never destroy one with content.
     */
    private static void writesOnlyNewOrEmptyFiles(ModelFormat format) {
        inTempDir(dir -> {
            Path empty = Files.createFile(dir.resolve("partial"));
            format.create(empty).put("general.architecture", MetadataValue.ofString("llama"))
                    .addTensor("t", GgmlType.F32, new long[] {32}, s -> s.fill((byte) 3)).write();
            try (ModelFile f = format.open(empty)) {
                assertEquals(1, f.tensors().size(), "the empty file it was given holds the model");
            }
            byte[] precious = "a file the user cares about\n".getBytes();
            Path full = write(dir.resolve("precious." + format.name()), precious);
            assertThrows(RuntimeException.class, () -> format.create(full)
                    .put("general.architecture", MetadataValue.ofString("llama")).write(), "writing over a file with content");
            assertArrayEquals(precious, Files.readAllBytes(full), "the file with content is untouched");
        });
    }

    private static void rejects(ModelFormat format) {
        inTempDir(dir -> {
            assertThrows(ModelFormatException.class, () -> format.open(dir.resolve("missing.bin")).close(), "a missing file");
            assertThrows(ModelFormatException.class, () -> format.open(write(dir.resolve("empty.bin"), new byte[0])).close(),
                    "an empty file");
            byte[] text = "not a model file at all, just some text that is long enough\n".repeat(4).getBytes();
            assertThrows(ModelFormatException.class, () -> format.open(write(dir.resolve("text.txt"), text)).close(),
                    "a text file");
            // a real file cut in half
            Path whole = dir.resolve("whole." + format.name());
            format.create(whole).put("general.name", MetadataValue.ofString("x".repeat(100)))
                    .addTensor("t", GgmlType.F32, new long[] {64}, s -> s.fill((byte) 1)).write();
            byte[] bytes = Files.readAllBytes(whole);
            Path half = write(dir.resolve("half." + format.name()), java.util.Arrays.copyOf(bytes, bytes.length / 2));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> format.open(half).close(),
                    "a truncated file");
            assertEquals(half, e.file(), "the exception names the file");
        });
    }

    private static Path write(Path p, byte[] bytes) {
        try {
            return Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface DirBody {
        void run(Path dir) throws Exception;
    }

    private static void inTempDir(DirBody body) {
        Path dir;
        try {
            dir = Files.createTempDirectory("kiln-format-contract-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            body.run(dir);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a mapping still open on some OS
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
