package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9, finding 7: a mapped model file truncated while in use is named in one line. */
class FilesInUseTest {

    @TempDir
    Path dir;

    @Test
    void a_read_fault_after_truncation_names_the_file_and_its_sizes() throws IOException {
        Path file = Files.write(dir.resolve("model.gguf"), new byte[1 << 20]);
        String expected = file + " changed while Kiln was using it (1048576 bytes when opened, 4096 now); a model file must "
                + "not be modified or truncated while it is in use";
        try (ModelFile watched = FilesInUse.watch(new MappedBytes(file))) {
            MemorySegment data = watched.data(null);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(4096); // someone rewrites the model while Kiln runs
            }
            long[] sum = new long[1];
            InternalError fault = assertThrows(InternalError.class, () -> {
                for (long i = 0; i < data.byteSize(); i += 4096) {
                    sum[0] += data.get(ValueLayout.JAVA_BYTE, i);
                }
            });
            assertTrue(MappedFileFault.is(fault), fault.toString());
            assertEquals(expected, MappedFileFault.describe());
        }
        // the fault usually travels through a try-with-resources that closes the file first
        assertEquals(expected, MappedFileFault.describe(), "still known once the file is closed");
    }

    @Test
    void other_errors_are_not_taken_for_a_fault() {
        assertTrue(!MappedFileFault.is(new InternalError("something else")));
        assertTrue(!MappedFileFault.is(new OutOfMemoryError()));
    }

    /** The smallest ModelFile: the whole file mapped as one segment. */
    private static final class MappedBytes implements ModelFile {
        private final Path path;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment mapping;

        MappedBytes(Path path) throws IOException {
            this.path = path;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public int version() {
            return 1;
        }

        @Override
        public long alignment() {
            return 1;
        }

        @Override
        public Metadata metadata() {
            return new Metadata(Map.of());
        }

        @Override
        public List<TensorInfo> tensors() {
            return List.of();
        }

        @Override
        public Optional<TensorInfo> tensor(String name) {
            return Optional.empty();
        }

        @Override
        public MemorySegment data(TensorInfo tensor) {
            return mapping;
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
