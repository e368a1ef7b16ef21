package dev.kiln.format.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormatException;
import dev.kiln.api.format.ValueType;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Hostile and broken GGUF files: each must give exactly one {@link ModelFormatException} naming
 * the problem (and the offset where that means something), within a second, without ever
 * allocating what a lying header asks for. Maven runs this class in its own surefire execution
 * with {@code -Xmx64m} (see format-gguf/pom.xml), so an allocation sized by a hostile count
 * would fail the build as an OutOfMemoryError.
 */
class GgufCorruptFileTest {
    private static final Duration LIMIT = Duration.ofSeconds(1);
    private static final long HUGE = 1L << 62;
    /** Phrases a truncation may be reported with, depending on which check notices first. */
    private static final List<String> TRUNCATION = List.of(
            "truncated", "past the end", "beyond the end", "outside the file", "more than the file can hold");

    private static Path dir;
    private static byte[] valid;
    private static long tableEnd;
    private static long dataStart;

    @BeforeAll
    static void writeValidFile() throws IOException {
        dir = Files.createTempDirectory("kiln-corrupt-");
        Path p = dir.resolve("valid.gguf");
        new GgufWriter(p)
                .put("general.architecture", MetadataValue.ofString("llama"))
                .put("general.name", MetadataValue.ofString("corrupt-suite ünïcödé 🔥"))
                .put("llama.block_count", MetadataValue.ofUint32(2))
                .put("some.int64", new MetadataValue(ValueType.INT64, -5L))
                .put("some.float", MetadataValue.ofFloat32(1e-5f))
                .put("some.bool", MetadataValue.ofBool(true))
                .put("tokenizer.ggml.tokens", MetadataValue.ofArray(MetadataArray.ofStrings("<s>", "</s>", "a", "b")))
                .put("tokenizer.ggml.scores", MetadataValue.ofArray(MetadataArray.ofFloats(0f, -1f, -2f, -3f)))
                .put("nested", MetadataValue.ofArray(new MetadataArray(ValueType.ARRAY, new MetadataArray[] {
                        MetadataArray.ofIntegers(ValueType.UINT16, 1, 2), MetadataArray.ofStrings("x")})))
                .addTensor("a.weight", GgmlType.F32, new long[] {8, 2}, seg -> seg.fill((byte) 1))
                .addTensor("b.weight", GgmlType.Q8_0, new long[] {32, 2}, seg -> seg.fill((byte) 2))
                .addTensor("c.weight", GgmlType.F16, new long[] {3}, seg -> seg.fill((byte) 3))
                .write();
        valid = Files.readAllBytes(p);
        try (GgufFile f = GgufReader.open(p)) {
            dataStart = f.dataOffset();
            tableEnd = f.tensorInfoEnd();
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    @Test
    void theValidFileOpens() {
        try (ModelFile f = GgufReader.open(dir.resolve("valid.gguf"))) {
            assertEquals(3, f.tensors().size());
        }
    }

    @Test
    void heapIsLimitedInTheCorruptFileExecution() {
        long max = Runtime.getRuntime().maxMemory();
        System.out.println("GgufCorruptFileTest max heap: " + max / (1024 * 1024) + " MiB");
        if (Boolean.getBoolean("kiln.corrupt.heap64")) {
            assertTrue(max <= 64L * 1024 * 1024, "corrupt-file execution must run with -Xmx64m, has " + max);
        }
    }

    /** Every prefix of the header (up to the end of the tensor infos) and a few into the data. */
    @TestFactory
    Stream<DynamicTest> truncationAtEveryHeaderByte() {
        List<Integer> lengths = new ArrayList<>();
        for (int n = 0; n <= tableEnd; n++) {
            lengths.add(n);
        }
        for (long n : new long[] {dataStart - 1, dataStart, dataStart + 1, dataStart + 31, valid.length - 1}) {
            if (n > tableEnd && n < valid.length) {
                lengths.add((int) n);
            }
        }
        return lengths.stream().map(n -> dynamicTest("prefix of " + n + " bytes", () -> {
            Path p = dir.resolve("prefix.gguf");
            Files.write(p, java.util.Arrays.copyOf(valid, n));
            ModelFormatException e = rejects(p, TRUNCATION.toArray(String[]::new));
            assertTrue(e.offset() <= n, "offset " + e.offset() + " must be inside the " + n + "-byte file");
        }));
    }

    /** A real llama.cpp-made model: prefixes across its whole header, every 7th byte. */
    @Test
    void truncatedFixtureModel() throws IOException {
        Path source = Path.of(System.getProperty("kiln.fixtures", "../fixtures"), "models", "stories260K-Q8_0.gguf");
        long headerEnd;
        try (GgufFile f = GgufReader.open(source)) {
            headerEnd = f.dataOffset();
        }
        Path p = dir.resolve("fixture-prefix.gguf");
        Files.copy(source, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // cut from the end down, so each case is one truncate() instead of rewriting a file
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(headerEnd + 64);
            for (long n = headerEnd + 63; n >= 0; n -= 7) {
                ch.truncate(n);
                ModelFormatException e = rejects(p, TRUNCATION.toArray(String[]::new));
                assertTrue(e.offset() <= n, "offset " + e.offset() + " beyond a " + n + "-byte file");
            }
        }
    }

    private record Case(String name, byte[] bytes, long offset, String... phrases) {
    }

    @TestFactory
    Stream<DynamicTest> hostileFiles() {
        List<Case> cases = new ArrayList<>();
        // magic and version
        cases.add(new Case("empty file", new byte[0], 0, "truncated"));
        cases.add(new Case("three bytes", new byte[] {'G', 'G', 'U'}, 0, "truncated"));
        cases.add(new Case("wrong magic", new RawGguf().u32(0x58554747).u32(3).u64(0).u64(0).toByteArray(), 0, "magic"));
        cases.add(new Case("version 1", new RawGguf().u32(GgufFormat.MAGIC).u32(1).u64(0).u64(0).toByteArray(), 4, "version 1"));
        cases.add(new Case("version 4", new RawGguf().u32(GgufFormat.MAGIC).u32(4).u64(0).u64(0).toByteArray(), 4, "version 4"));
        cases.add(new Case("version 0", new RawGguf().u32(GgufFormat.MAGIC).u32(0).u64(0).u64(0).toByteArray(), 4, "version 0"));
        cases.add(new Case("big-endian v3", new RawGguf().u32(GgufFormat.MAGIC).u32(0x03000000).u64(0).u64(0).toByteArray(), 4,
                "big-endian"));
        // counts
        cases.add(new Case("tensor count 2^62", new RawGguf().header(HUGE, 0).zeros(64).toByteArray(), 8, "tensor count"));
        cases.add(new Case("tensor count 2^64-1", new RawGguf().header(-1, 0).zeros(64).toByteArray(), 8, "tensor count"));
        cases.add(new Case("kv count 2^62", new RawGguf().header(0, HUGE).zeros(64).toByteArray(), 16, "key/value count"));
        cases.add(new Case("kv count 2^64-1", new RawGguf().header(0, -1).zeros(64).toByteArray(), 16, "key/value count"));
        cases.add(new Case("kv count one more than present", new RawGguf().header(0, 2).kvU32("a", 1).zeros(3).toByteArray(),
                -2, TRUNCATION.toArray(String[]::new)));
        // strings
        cases.add(new Case("key length 2^62", new RawGguf().header(0, 1).u64(HUGE).zeros(32).toByteArray(), 24, "length"));
        cases.add(new Case("key length 2^64-1", new RawGguf().header(0, 1).u64(-1).zeros(32).toByteArray(), 24, "length"));
        cases.add(new Case("key length one past the end", new RawGguf().header(0, 1).u64(13).u32(4).u32(7).toByteArray(), 24,
                "past the end"));
        cases.add(new Case("string value length 2^62", new RawGguf().header(0, 1).str("k").u32(8).u64(HUGE).zeros(16).toByteArray(),
                24 + 9 + 4, "length"));
        cases.add(new Case("tensor name length 2^62", new RawGguf().header(1, 0).u64(HUGE).zeros(64).toByteArray(), 24, "length"));
        cases.add(new Case("invalid UTF-8 in a key", new RawGguf().header(0, 1).u64(2).u8(0xC3).u8(0x28).u32(4).u32(0).toByteArray(),
                -2, "UTF-8"));
        cases.add(new Case("overlong UTF-8 in a value", new RawGguf().header(0, 1).str("k").u32(8).u64(2).u8(0xC0).u8(0x80)
                .toByteArray(), -2, "UTF-8"));
        cases.add(new Case("UTF-8 encoded surrogate", new RawGguf().header(0, 1).str("k").u32(8).u64(3).u8(0xED).u8(0xA0).u8(0x80)
                .toByteArray(), -2, "UTF-8"));
        cases.add(new Case("invalid UTF-8 in a tensor name", new RawGguf().header(1, 0).u64(1).u8(0xFF).u32(1).u64(4).u32(0).u64(0)
                .pad(32).zeros(16).toByteArray(), -2, "UTF-8"));
        // value types and arrays
        cases.add(new Case("unknown value type 13", new RawGguf().header(0, 1).str("k").u32(13).u32(0).toByteArray(), 24 + 9,
                "unknown value type"));
        cases.add(new Case("unknown value type 2^32-1", new RawGguf().header(0, 1).str("k").u32(0xFFFF_FFFFL).u64(0).toByteArray(),
                24 + 9, "unknown value type"));
        cases.add(new Case("unknown array element type", new RawGguf().header(0, 1).str("k").u32(9).u32(99).u64(0).toByteArray(),
                24 + 9 + 4, "unknown value type"));
        cases.add(new Case("uint8 array length 2^62", new RawGguf().header(0, 1).str("k").u32(9).u32(0).u64(HUGE).zeros(64)
                .toByteArray(), 24 + 9 + 8, "array length"));
        cases.add(new Case("string array length 2^62", new RawGguf().header(0, 1).str("k").u32(9).u32(8).u64(HUGE).zeros(64)
                .toByteArray(), 24 + 9 + 8, "array length"));
        cases.add(new Case("array length 2^64-1", new RawGguf().header(0, 1).str("k").u32(9).u32(5).u64(-1).zeros(64)
                .toByteArray(), 24 + 9 + 8, "array length"));
        cases.add(new Case("uint64 array one element too long", new RawGguf().header(0, 1).str("k").u32(9).u32(10).u64(3).zeros(23)
                .toByteArray(), 24 + 9 + 8, "array length"));
        cases.add(new Case("nested array length 2^62", new RawGguf().header(0, 1).str("k").u32(9).u32(9).u64(1).u32(7).u64(HUGE)
                .zeros(64).toByteArray(), 24 + 9 + 8 + 8 + 4, "array length"));
        RawGguf deep = new RawGguf().header(0, 1).str("k").u32(9);
        for (int i = 0; i < 10_000; i++) {
            deep.u32(9).u64(1);
        }
        cases.add(new Case("arrays nested 10000 deep", deep.u32(0).u64(0).toByteArray(), -2, "deeper"));
        cases.add(new Case("bool of value 7", new RawGguf().header(0, 1).str("k").u32(7).u8(7).toByteArray(), 24 + 9 + 4, "BOOL"));
        cases.add(new Case("duplicate key", new RawGguf().header(0, 2).kvU32("k", 1).kvU32("k", 2).toByteArray(), 24 + 17,
                "duplicate metadata key 'k'"));
        // alignment
        for (long a : new long[] {0, 3, 48, 1L << 31, 0xFFFF_FFFFL}) {
            cases.add(new Case("alignment " + a, new RawGguf().header(1, 1).kvU32("general.alignment", a)
                    .tensor("t", 0, 0, 8).pad(64).zeros(64).toByteArray(), 24 + 25 + 4, "general.alignment"));
        }
        // GgufReaderFuzzTest's round trip: the writer (and llama.cpp's gguf_get_val_u32) take UINT32 only
        cases.add(new Case("alignment as a UINT64", new RawGguf().header(0, 1).str("general.alignment").u32(10).u64(32).toByteArray(),
                24 + 25 + 4, "general.alignment is UINT64, expected UINT32"));
        cases.add(new Case("alignment as a string", new RawGguf().header(0, 1).kvStr("general.alignment", "32").toByteArray(), 24 + 25 + 4,
                "general.alignment"));
        // tensor infos
        long t0 = 24; // the first tensor info when there is no metadata
        cases.add(new Case("n_dims 0", new RawGguf().header(1, 0).tensor("t", 0, 0).pad(32).zeros(32).toByteArray(), t0 + 9,
                "dimensions"));
        cases.add(new Case("n_dims 5", new RawGguf().header(1, 0).tensor("t", 0, 0, 1, 1, 1, 1, 1).pad(32).zeros(32).toByteArray(),
                t0 + 9, "dimensions"));
        cases.add(new Case("n_dims 2^32-1", new RawGguf().header(1, 0).str("t").u32(0xFFFF_FFFFL).zeros(64).toByteArray(), t0 + 9,
                "dimensions"));
        cases.add(new Case("dimension 0", new RawGguf().header(1, 0).tensor("t", 0, 0, 8, 0).pad(32).zeros(32).toByteArray(),
                t0 + 13 + 8, "dimension 1"));
        cases.add(new Case("dimension 2^64-1", new RawGguf().header(1, 0).tensor("t", 0, 0, -1).pad(32).zeros(32).toByteArray(),
                t0 + 13, "dimension 0"));
        cases.add(new Case("dimension product overflows", new RawGguf().header(1, 0).tensor("t", 0, 0, 1L << 32, 1L << 32)
                .pad(32).zeros(32).toByteArray(), t0 + 13 + 8, "overflow"));
        cases.add(new Case("byte size overflows", new RawGguf().header(1, 0).tensor("t", 0, 0, 1L << 31, 1L << 31)
                .pad(32).zeros(32).toByteArray(), t0 + 13 + 16, "overflow"));
        for (long id : new long[] {4, 5, 31, 33, 42, 1000, 0xFFFF_FFFFL}) {
            cases.add(new Case("unknown GGML type " + id, new RawGguf().header(1, 0).tensor("t", id, 0, 256).pad(32).zeros(1024)
                    .toByteArray(), t0 + 13 + 8, "unknown GGML type id " + id));
        }
        cases.add(new Case("row not a multiple of the block", new RawGguf().header(1, 0).tensor("t", 2, 0, 33).pad(32).zeros(64)
                .toByteArray(), t0 + 13 + 8, "block size"));
        cases.add(new Case("duplicate tensor name", new RawGguf().header(2, 0).tensor("t", 0, 0, 8).tensor("t", 0, 32, 8)
                .pad(32).zeros(64).toByteArray(), t0 + 33, "duplicate tensor name 't'"));
        // offsets
        cases.add(new Case("misaligned offset", new RawGguf().header(1, 0).tensor("t", 0, 4, 8).pad(32).zeros(64).toByteArray(),
                t0 + 25, "alignment"));
        cases.add(new Case("offset past the end", new RawGguf().header(1, 0).tensor("t", 0, 4096, 8).pad(32).zeros(64)
                .toByteArray(), t0 + 25, "outside the file"));
        cases.add(new Case("offset 2^63", new RawGguf().header(1, 0).tensor("t", 0, Long.MIN_VALUE, 8).pad(32).zeros(64)
                .toByteArray(), t0 + 25, "beyond the end"));
        cases.add(new Case("offset 2^62", new RawGguf().header(1, 0).tensor("t", 0, HUGE, 8).pad(32).zeros(64)
                .toByteArray(), t0 + 25, "outside the file"));
        cases.add(new Case("data runs past the end", new RawGguf().header(1, 0).tensor("t", 0, 0, 8).pad(32).zeros(31)
                .toByteArray(), t0 + 25, "outside the file"));
        cases.add(new Case("no data section at all", new RawGguf().header(1, 0).tensor("t", 0, 0, 8).toByteArray(), t0 + 33,
                "truncated"));
        cases.add(new Case("huge tensor in a small file", new RawGguf().header(1, 0).tensor("t", 0, 0, 1L << 30, 1L << 20)
                .pad(32).zeros(64).toByteArray(), t0 + 33, "outside the file"));
        cases.add(new Case("overlapping tensors (same offset)", new RawGguf().header(2, 0).tensor("a", 0, 0, 8)
                .tensor("b", 0, 0, 8).pad(32).zeros(64).toByteArray(), t0 + 33 + 25, "overlaps"));
        cases.add(new Case("overlapping tensors (partly)", new RawGguf().header(2, 0).tensor("a", 0, 32, 16)
                .tensor("b", 0, 0, 16).pad(32).zeros(128).toByteArray(), t0 + 25, "overlaps"));
        long heap = Runtime.getRuntime().maxMemory();
        if (heap <= 256L << 20) {
            // legal on disk, but as long[] it is 1.5x the whole heap: a typed error, not an OutOfMemoryError
            int n = (int) (heap / 8 * 3 / 2);
            cases.add(new Case("uint8 array bigger than the heap once widened", new RawGguf().header(0, 1).str("k").u32(9).u32(0)
                    .u64(n).zeros(n).toByteArray(), 24 + 9 + 8, "does not fit in the Java heap"));
        }
        return cases.stream().map(c -> dynamicTest(c.name(), () -> {
            Path p = dir.resolve("hostile.gguf");
            Files.write(p, c.bytes());
            ModelFormatException e = rejects(p, c.phrases());
            if (c.offset() >= 0) {
                assertEquals(c.offset(), e.offset(), "offset of: " + e.getMessage());
            } else if (c.offset() == -2) {
                assertTrue(e.offset() >= 0 && e.offset() <= c.bytes().length, "an offset inside the file: " + e.getMessage());
            }
        }));
    }

    /** The hostile valid file: patch a real header field (the first tensor's type) in place. */
    @Test
    void patchedTensorTypeInWrittenFile() throws IOException {
        // the last tensor info ends with type (u32) + offset (u64) right before the padding
        byte[] b = valid.clone();
        int typeAt = (int) tableEnd - 12;
        assertEquals(GgmlType.F16.id(), ByteBuffer.wrap(b, typeAt, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        ByteBuffer.wrap(b, typeAt, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(77);
        Path p = Files.write(dir.resolve("patched.gguf"), b);
        assertEquals(typeAt, rejects(p, "unknown GGML type id 77").offset());
    }

    @Test
    void closedFileRejectsAccess() {
        GgufFile f = GgufReader.open(dir.resolve("valid.gguf"));
        var seg = f.data(f.tensors().get(0));
        assertEquals(1, seg.get(ValueLayout.JAVA_BYTE, 0));
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
    }

    /** Opens {@code p} (within the time limit) and checks the one typed error names the problem. */
    private static ModelFormatException rejects(Path p, String... phrases) {
        ModelFormatException e = assertTimeoutPreemptively(LIMIT, () -> {
            try (ModelFile f = new GgufFormat().open(p)) {
                return fail("opened a broken file: " + f + " " + f.tensors());
            } catch (ModelFormatException expected) {
                return expected;
            }
        });
        String message = e.getMessage().toLowerCase(Locale.ROOT);
        boolean named = false;
        for (String phrase : phrases) {
            named |= message.contains(phrase.toLowerCase(Locale.ROOT));
        }
        assertTrue(named, "message should name " + List.of(phrases) + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        assertEquals(p, e.file());
        return e;
    }

}
