package dev.kiln.format.gguf;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An opened, validated GGUF file. All tensor data is sliced from one read-only mapping of the
 * whole file, owned by a shared arena that {@link #close()} releases.
 */
public final class GgufFile implements ModelFile {
    private final Path path;
    private final int version;
    private final long alignment;
    private final long tensorInfoEnd;
    private final long dataOffset;
    private final Metadata metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;
    private final Arena arena;
    private final MemorySegment mapping;

    GgufFile(Path path, int version, long alignment, long tensorInfoEnd, long dataOffset, Metadata metadata, List<TensorInfo> tensors,
            Arena arena, MemorySegment mapping) {
        this.path = path;
        this.version = version;
        this.alignment = alignment;
        this.tensorInfoEnd = tensorInfoEnd;
        this.dataOffset = dataOffset;
        this.metadata = metadata;
        this.tensors = List.copyOf(tensors);
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            m.put(t.name(), t);
        }
        this.byName = m;
        this.arena = arena;
        this.mapping = mapping;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public int version() {
        return version;
    }

    @Override
    public long alignment() {
        return alignment;
    }

    /** Absolute byte offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    /** Absolute byte offset just past the tensor-info table (where the padding before the data starts). */
    public long tensorInfoEnd() {
        return tensorInfoEnd;
    }

    /** Size of the whole file in bytes. */
    public long fileSize() {
        return mapping.byteSize();
    }

    @Override
    public Metadata metadata() {
        return metadata;
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Optional<TensorInfo> tensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public MemorySegment data(TensorInfo tensor) {
        TensorInfo own = byName.get(tensor.name());
        if (own == null || !own.equals(tensor)) {
            throw new IllegalArgumentException("tensor " + tensor + " is not in " + path);
        }
        return mapping.asSlice(own.offset(), own.byteSize()).asReadOnly();
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GGUF v" + version + " " + path + " (" + tensors.size() + " tensors, " + metadata.keys().size() + " keys)";
    }
}
