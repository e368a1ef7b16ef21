package dev.kiln.format.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file larger than 2 GiB is one mapping, and a tensor beyond the 2 GiB mark reads correctly.
 * The big tensor is never touched, so the file stays sparse and the test costs no real I/O.
 */
class GgufLargeFileTest {
    @TempDir
    Path dir;

    @Test
    void tensorPastTwoGibibytes() throws Exception {
        Path p = dir.resolve("big.gguf");
        long bigElements = (1L << 29) + 256; // 2 GiB + 1 KiB of F32, left as holes
        new GgufWriter(p)
                .addTensor("big", GgmlType.F32, new long[] {bigElements}, seg -> { })
                .addTensor("tail", GgmlType.F32, new long[] {64}, seg -> {
                    for (long j = 0; j < seg.byteSize(); j++) {
                        seg.set(ValueLayout.JAVA_BYTE, j, (byte) (j * 7 + 1));
                    }
                })
                .write();
        assertTrue(Files.size(p) > (1L << 31));
        try (GgufFile f = GgufReader.open(p)) {
            TensorInfo big = f.tensor("big").orElseThrow();
            TensorInfo tail = f.tensor("tail").orElseThrow();
            assertEquals(bigElements * 4, big.byteSize());
            assertTrue(tail.offset() > Integer.MAX_VALUE, "tail lies beyond 2 GiB");
            MemorySegment d = f.data(tail);
            for (long j = 0; j < d.byteSize(); j++) {
                assertEquals((byte) (j * 7 + 1), d.get(ValueLayout.JAVA_BYTE, j), "byte " + j);
            }
            assertEquals(0, f.data(big).get(ValueLayout.JAVA_BYTE, big.byteSize() - 1));
        }
    }
}
