package dev.kiln.format.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.format.ValueType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Writer → reader round trips, the writer's layout promises, and its failure behaviour. */
class GgufRoundTripTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void tensorsOfSeveralTypesRoundTrip() {
        Path p = dir.resolve("m.gguf");
        float[] norm = {1f, -2.5f, Float.MIN_VALUE, 0f, 3e38f};
        new GgufWriter(p)
                .put("general.architecture", MetadataValue.ofString("llama"))
                .put("tokenizer.ggml.tokens", MetadataValue.ofArray(MetadataArray.ofStrings("<s>", "▁the", "🔥")))
                .put("some.u8", new MetadataValue(ValueType.UINT8, 255L))
                .addTensor("norm", GgmlType.F32, new long[] {norm.length}, seg -> {
                    for (int i = 0; i < norm.length; i++) {
                        seg.setAtIndex(F32, i, norm[i]);
                    }
                })
                .addTensor("q8", GgmlType.Q8_0, new long[] {64, 3}, seg -> seg.fill((byte) 8))
                .addTensor("q4k", GgmlType.Q4_K, new long[] {256, 2}, seg -> seg.fill((byte) 12))
                .addTensor("q6k", GgmlType.Q6_K, new long[] {512}, seg -> seg.fill((byte) 14))
                .addTensor("f16", GgmlType.F16, new long[] {3, 1, 1, 1}, seg -> seg.fill((byte) 1))
                .write(2);
        try (GgufFile f = GgufReader.open(p)) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(List.of("general.architecture", "tokenizer.ggml.tokens", "some.u8"), List.copyOf(f.metadata().keys()));
            assertArrayEquals(new String[] {"<s>", "▁the", "🔥"}, f.metadata().getStringArray("tokenizer.ggml.tokens"));
            assertEquals(255, f.metadata().getLong("some.u8"));
            assertEquals(List.of("norm", "q8", "q4k", "q6k", "f16"), f.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(f.dataOffset(), f.tensors().get(0).offset(), "first tensor starts the data section");
            assertEquals(0, f.dataOffset() % 32);
            MemorySegment n = f.data(f.tensor("norm").orElseThrow());
            for (int i = 0; i < norm.length; i++) {
                assertEquals(Float.floatToRawIntBits(norm[i]), Float.floatToRawIntBits(n.getAtIndex(F32, i)));
            }
            assertEquals(6 * 34, f.tensor("q8").orElseThrow().byteSize());
            assertEquals(2 * 144, f.tensor("q4k").orElseThrow().byteSize());
            assertEquals(2 * 210, f.tensor("q6k").orElseThrow().byteSize());
            assertEquals(6, f.tensor("f16").orElseThrow().byteSize());
            byte[] fills = {0, 8, 12, 14, 1};
            for (int i = 1; i < fills.length; i++) {
                TensorInfo t = f.tensors().get(i);
                MemorySegment d = f.data(t);
                for (long j = 0; j < d.byteSize(); j++) {
                    assertEquals(fills[i], d.get(ValueLayout.JAVA_BYTE, j), t.name() + " byte " + j);
                }
            }
            assertPaddingIsZero(p, f);
            assertEquals(f.fileSize(), f.tensors().get(4).offset() + 6, "file ends with the last tensor");
        }
    }

    @Test
    void alignmentFromMetadataIsHonoured() {
        Path p = dir.resolve("a.gguf");
        new GgufWriter(p)
                .put("general.alignment", MetadataValue.ofUint32(256))
                .addTensor("a", GgmlType.F32, new long[] {3}, seg -> seg.fill((byte) 1))
                .addTensor("b", GgmlType.F32, new long[] {5}, seg -> seg.fill((byte) 2))
                .write();
        try (GgufFile f = GgufReader.open(p)) {
            assertEquals(256, f.alignment());
            for (TensorInfo t : f.tensors()) {
                assertEquals(0, (t.offset() - f.dataOffset()) % 256);
                assertEquals(0, t.offset() % 256);
            }
            assertEquals(f.dataOffset() + 256, f.tensors().get(1).offset());
            assertPaddingIsZero(p, f);
        }
    }

    @Test
    void writerRejectsBadAlignmentShapesAndValues() throws IOException {
        GgufWriter w = new GgufWriter(dir.resolve("x.gguf"));
        assertThrows(KilnException.class, () -> w.put("general.alignment", MetadataValue.ofUint32(48)));
        assertThrows(KilnException.class, () -> w.put("general.alignment", MetadataValue.ofUint32(0)));
        assertThrows(KilnException.class, () -> w.put("general.alignment", MetadataValue.ofInt32(32)));
        assertThrows(KilnException.class, () -> w.addTensor("t", GgmlType.Q4_0, new long[] {33}, s -> { }));
        assertThrows(KilnException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {0}, s -> { }));
        assertThrows(KilnException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, s -> { }));
        assertThrows(KilnException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {1L << 40, 1L << 40}, s -> { }));
        w.addTensor("t", GgmlType.F32, new long[] {1}, s -> { });
        assertThrows(KilnException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {1}, s -> { }));
        assertThrows(KilnException.class, () -> new GgufWriter(dir.resolve("s.gguf"))
                .put("bad", MetadataValue.ofString("lone \ud800 surrogate")).write());
        KilnException range = assertThrows(KilnException.class, () -> new GgufWriter(dir.resolve("r.gguf"))
                .put("u8", new MetadataValue(ValueType.UINT8, 256L)).write());
        assertTrue(range.getMessage().contains("'u8'"), range.getMessage());
        assertThrows(KilnException.class, () -> new GgufWriter(dir.resolve("r.gguf"))
                .put("i16s", MetadataValue.ofArray(MetadataArray.ofIntegers(ValueType.INT16, 1, 40000))).write());
        assertThrows(KilnException.class, () -> new GgufWriter(dir.resolve("r.gguf"))
                .put("u32", MetadataValue.ofUint32(-1)).write());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.toList(), "failed writes leave no files");
        }
    }

    @Test
    void aFailingSourceLeavesNothingBehind() throws IOException {
        Path p = dir.resolve("fail.gguf");
        Path given = Files.createFile(dir.resolve("given-empty.gguf"));
        for (int threads : new int[] {1, 4}) {
            for (Path target : List.of(p, given)) {
                KilnException e = assertThrows(KilnException.class, () -> new GgufWriter(target)
                        .addTensor("ok", GgmlType.F32, new long[] {64}, s -> s.fill((byte) 1))
                        .addTensor("bad", GgmlType.F32, new long[] {64}, s -> {
                            throw new IllegalStateException("source broke");
                        })
                        .addTensor("ok2", GgmlType.F32, new long[] {64}, s -> s.fill((byte) 1))
                        .write(threads));
                assertTrue(e.getMessage().contains("bad"), e.getMessage());
            }
            assertFalse(Files.exists(p), "the file the writer created is removed");
            assertEquals(0, Files.size(given), "the empty file it was given is empty again");
        }
    }

    @Test
    void anErrorInASourceIsNotWrappedAndRemovesTheFile() {
        Path p = dir.resolve("oom.gguf");
        for (int threads : new int[] {1, 4}) {
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> new GgufWriter(p)
                    .addTensor("a", GgmlType.F32, new long[] {64}, s -> s.fill((byte) 1))
                    .addTensor("b", GgmlType.F32, new long[] {64}, s -> {
                        throw new OutOfMemoryError("Java heap space");
                    })
                    .write(threads));
            assertEquals("Java heap space", e.getMessage());
            assertFalse(Files.exists(p));
        }
    }

    @Test
    void anExistingFileWithContentIsNeverWrittenInto() throws IOException {
        Path p = dir.resolve("over.gguf");
        Files.writeString(p, "previous content");
        KilnException e = assertThrows(KilnException.class, () -> new GgufWriter(p)
                .addTensor("t", GgmlType.F32, new long[] {64}, s -> s.fill((byte) 1)).write());
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("previous content", Files.readString(p), "the old file is untouched");
    }

    @Test
    void theMagicIsWrittenLastSoAnInterruptedFileIsNoGguf() throws IOException {
        Path p = dir.resolve("late-magic.gguf");
        byte[][] seen = new byte[1][];
        new GgufWriter(p)
                .addTensor("t", GgmlType.F32, new long[] {64}, s -> {
                    s.fill((byte) 1);
                    try {
                        seen[0] = java.util.Arrays.copyOf(Files.readAllBytes(p), 4);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .write();
        assertArrayEquals(new byte[4], seen[0], "while tensors are written the magic is zero");
        assertTrue(new GgufFormat().recognizes(p), "complete: the magic is there");
    }

    @Test
    void fillsAnEmptyFileItIsGivenAndRunsSourcesOnSeveralThreads() throws IOException {
        Path p = Files.createFile(dir.resolve("given.gguf"));
        Set<String> threadNames = ConcurrentHashMap.newKeySet();
        GgufWriter w = new GgufWriter(p);
        for (int i = 0; i < 16; i++) {
            byte fill = (byte) i;
            w.addTensor("t" + i, GgmlType.F32, new long[] {1024}, s -> {
                threadNames.add(Thread.currentThread().getName());
                s.fill(fill);
            });
        }
        w.write(4);
        assertFalse(threadNames.contains(Thread.currentThread().getName()), "sources ran on the pool");
        assertTrue(threadNames.stream().allMatch(n -> n.startsWith("gguf-writer-")), threadNames.toString());
        try (GgufFile f = GgufReader.open(p)) {
            for (int i = 0; i < 16; i++) {
                MemorySegment d = f.data(f.tensors().get(i));
                assertEquals((byte) i, d.get(ValueLayout.JAVA_BYTE, 0));
                assertEquals((byte) i, d.get(ValueLayout.JAVA_BYTE, d.byteSize() - 1));
            }
        }
    }

    @Test
    void rewritingAFixtureGivesTheSameListingAndData() {
        Path source = Path.of(System.getProperty("kiln.fixtures", "../fixtures"), "models", "stories260K-Q4_0.gguf");
        Path copy = dir.resolve("copy.gguf");
        try (ModelFile in = new GgufFormat().open(source)) {
            GgufWriter w = new GgufWriter(copy);
            w.putAll(in.metadata());
            for (TensorInfo t : in.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), seg -> seg.copyFrom(in.data(t)));
            }
            w.write(2);
            try (ModelFile out = new GgufFormat().open(copy)) {
                assertEquals(in.metadata().asMap(), out.metadata().asMap());
                assertEquals(in.tensors().size(), out.tensors().size());
                for (int i = 0; i < in.tensors().size(); i++) {
                    TensorInfo a = in.tensors().get(i);
                    TensorInfo b = out.tensors().get(i);
                    assertEquals(a.name(), b.name());
                    assertEquals(a.type(), b.type());
                    assertArrayEquals(a.shape(), b.shape());
                    assertEquals(-1, in.data(a).mismatch(out.data(b)), a.name() + " data");
                }
            }
        }
    }

    /**
     * Files made by llama.cpp's tools and gguf-py, read by our reader and written back by our
     * writer (same metadata, same tensors, in order), come out byte for byte identical.
     */
    @TestFactory
    Stream<DynamicTest> rewritingEveryFixtureIsByteIdentical() throws IOException {
        return GgufListingTest.fixtureFiles().stream().map(source -> DynamicTest.dynamicTest(source.getFileName().toString(), () -> {
            Path copy = dir.resolve("rewrite-" + source.getFileName());
            try (ModelFile in = new GgufFormat().open(source)) {
                GgufWriter w = new GgufWriter(copy);
                w.putAll(in.metadata());
                for (TensorInfo t : in.tensors()) {
                    w.addTensor(t.name(), t.type(), t.shape(), seg -> seg.copyFrom(in.data(t)));
                }
                w.write(2);
            }
            assertEquals(-1, Files.mismatch(source, copy), "first differing byte of the rewritten " + source);
            Files.delete(copy);
        }));
    }

    @Test
    void isDeclaredAsAModelFormatService() throws IOException {
        var descriptor = GgufFormat.class.getModule().getDescriptor();
        if (descriptor != null) { // on the module path: `provides ... with ...`
            assertTrue(descriptor.provides().stream().anyMatch(p -> p.service().equals(ModelFormat.class.getName())
                    && p.providers().equals(List.of(GgufFormat.class.getName()))), descriptor.provides().toString());
            assertFalse(descriptor.exports().stream().anyMatch(e -> e.source().equals("dev.kiln.format.gguf")),
                    "the implementation package stays unexported");
        }
        try (var in = GgufFormat.class.getResourceAsStream("/META-INF/services/" + ModelFormat.class.getName())) {
            assertEquals(GgufFormat.class.getName(), new String(in.readAllBytes()).strip(), "class-path service file");
        }
        assertEquals("gguf", new GgufFormat().name());
    }

    @Test
    void v2FilesAreRead() throws IOException {
        Path p = dir.resolve("v2.gguf");
        new GgufWriter(p).put("k", MetadataValue.ofString("v"))
                .addTensor("t", GgmlType.F32, new long[] {4}, s -> s.fill((byte) 0)).write();
        byte[] b = Files.readAllBytes(p);
        b[4] = 2;
        Files.write(p, b);
        try (ModelFile f = new GgufFormat().open(p)) {
            assertEquals(2, f.version());
            assertEquals("v", f.metadata().getString("k"));
        }
    }

    private static void assertPaddingIsZero(Path p, GgufFile f) {
        try {
            byte[] b = Files.readAllBytes(p);
            long pos = f.tensorInfoEnd();
            for (TensorInfo t : f.tensors().stream().sorted((x, y) -> Long.compare(x.offset(), y.offset())).toList()) {
                for (long j = pos; j < t.offset(); j++) {
                    assertEquals(0, b[(int) j], "padding byte " + j);
                }
                pos = t.offset() + t.byteSize();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
