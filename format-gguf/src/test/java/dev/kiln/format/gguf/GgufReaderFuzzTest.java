package dev.kiln.format.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.ModelFormatException;
import dev.kiln.api.format.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Jazzer fuzz target for the GGUF reader. Whatever the bytes, opening them either succeeds or
 * fails with one {@link ModelFormatException} whose message is one short line naming the file.
 * A file the reader accepts has every tensor inside the file, and writing it again with
 * {@link GgufWriter} and reading that back gives the same metadata and the same tensors (names,
 * types, shapes and bytes).
 *
 * <p>{@code mvn verify} runs this as a regression test over the committed inputs in
 * {@code src/test/resources/dev/kiln/format/gguf/GgufReaderFuzzTestInputs/openAndRewrite}
 * (seeds made from fixtures, and every past finding); {@code tools/fuzz-long.sh} fuzzes it.
 */
class GgufReaderFuzzTest {
    /** Longest error message accepted: a hostile key or tensor name must not be echoed whole. */
    static final int MAX_MESSAGE = 1000;

    private static Path dir;

    @BeforeAll
    static void createDirectory() throws IOException {
        dir = Files.createTempDirectory("kiln-fuzz-gguf-");
    }

    @AfterAll
    static void deleteDirectory() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @FuzzTest(maxDuration = "10m")
    void openAndRewrite(byte[] bytes) throws IOException {
        Path input = dir.resolve("input.gguf");
        Files.write(input, bytes);
        GgufFile file;
        try {
            file = GgufReader.open(input);
        } catch (ModelFormatException e) {
            assertOneLine(e, input);
            return;
        }
        try (file) {
            checkTensorsInside(file);
            rewriteAndCompare(file);
        }
    }

    /** The message of a refused file: one line, not too long, naming the file. */
    static void assertOneLine(KilnException e, Path file) {
        String message = e.getMessage();
        assertTrue(message.startsWith(file.toString()), () -> "message does not name the file: " + message);
        assertTrue(message.length() <= MAX_MESSAGE, () -> "message of " + message.length() + " chars");
        assertTrue(message.chars().noneMatch(Character::isISOControl), () -> "control character in: " + message);
    }

    private static void checkTensorsInside(GgufFile file) {
        for (TensorInfo t : file.tensors()) {
            assertTrue(t.offset() >= file.dataOffset() && t.offset() + t.byteSize() <= file.fileSize(), t::toString);
            MemorySegment data = file.data(t);
            assertEquals(t.byteSize(), data.byteSize());
            data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
        }
    }

    private static void rewriteAndCompare(GgufFile file) {
        Path copy = dir.resolve("copy.gguf");
        try {
            Files.deleteIfExists(copy); // a writer fills only a new or empty file; the previous input's copy goes
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        GgufWriter writer = new GgufWriter(copy);
        writer.putAll(file.metadata());
        for (TensorInfo t : file.tensors()) {
            writer.addTensor(t.name(), t.type(), t.shape(), target -> target.copyFrom(file.data(t)));
        }
        try {
            writer.write();
        } catch (KilnException e) {
            fail("the reader accepted what the writer refuses: " + e.getMessage());
        }
        try (GgufFile again = GgufReader.open(copy)) {
            assertEquals(file.metadata().asMap(), again.metadata().asMap());
            List<TensorInfo> before = file.tensors();
            List<TensorInfo> after = again.tensors();
            assertEquals(before.size(), after.size());
            for (int i = 0; i < before.size(); i++) {
                TensorInfo a = before.get(i);
                TensorInfo b = after.get(i);
                assertEquals(a.name(), b.name());
                assertEquals(a.type(), b.type());
                assertArrayEquals(a.shape(), b.shape());
                assertEquals(-1, file.data(a).mismatch(again.data(b)), () -> "data of " + a.name() + " differs");
            }
        }
    }
}
