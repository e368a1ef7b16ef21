package dev.kiln.format.gguf;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.ValueType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes a GGUF v3 file. The header is serialized in memory, the output is mapped read-write
 * and each tensor's source fills its own aligned slice. The file must be new or empty (this
 * writer never replaces data: runtime's {@code OutputFile} writes a partial file and renames it
 * into place). The magic number is written last, so an interrupted write never looks like a
 * model, and a failed one removes the file it created. A file system without room for the file
 * is refused before any tensor is computed.
 */
public final class GgufWriter implements ModelWriter {
    private static final int MAGIC_BYTES = 4;
    private final Path file;
    private final Map<String, MetadataValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    private record PendingTensor(String name, GgmlType type, long[] shape, long byteSize, TensorSource source) {
    }

    public GgufWriter(Path file) {
        this.file = Objects.requireNonNull(file, "file is null");
    }

    @Override
    public GgufWriter put(String key, MetadataValue value) {
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(value, "value is null");
        if (key.equals(GgufFormat.ALIGNMENT_KEY)) {
            alignmentOf(value);
        }
        metadata.put(key, value);
        return this;
    }

    @Override
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(source, "source is null");
        long[] dims = shape.clone();
        if (dims.length < 1 || dims.length > GgufReader.MAX_DIMS) {
            throw problem("tensor " + GgufReader.quoted(name) + " has " + dims.length + " dimensions; must be 1.." + GgufReader.MAX_DIMS);
        }
        long elements = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw problem("tensor " + GgufReader.quoted(name) + " has a non-positive dimension " + Arrays.toString(dims));
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw problem("tensor " + GgufReader.quoted(name) + " shape " + Arrays.toString(dims) + " overflows");
            }
        }
        if (dims[0] % type.blockSize() != 0) {
            throw problem("tensor " + GgufReader.quoted(name) + " row length " + dims[0] + " is not a multiple of the " + type
                    + " block size " + type.blockSize());
        }
        long byteSize = type.byteSize(elements);
        if (byteSize < 0) {
            throw problem("tensor " + GgufReader.quoted(name) + " byte size overflows");
        }
        if (!tensorNames.add(name)) {
            throw problem("duplicate tensor name " + GgufReader.quoted(name) + "");
        }
        tensors.add(new PendingTensor(name, type, dims, byteSize, source));
        return this;
    }

    @Override
    public void write(int threads) {
        long alignment = metadata.containsKey(GgufFormat.ALIGNMENT_KEY)
                ? alignmentOf(metadata.get(GgufFormat.ALIGNMENT_KEY)) : GgufFormat.DEFAULT_ALIGNMENT;
        HeaderBytes header = new HeaderBytes();
        long[] offsets = new long[tensors.size()];
        long dataSize = 0;
        for (int i = 0; i < tensors.size(); i++) {
            dataSize = GgufReader.alignUp(dataSize, alignment);
            offsets[i] = dataSize;
            dataSize = Math.addExact(dataSize, tensors.get(i).byteSize());
        }
        serializeHeader(header, offsets);
        long dataStart = tensors.isEmpty() ? header.size() : GgufReader.alignUp(header.size(), alignment);
        long total = Math.addExact(dataStart, dataSize);

        Path target = file.toAbsolutePath();
        boolean existed = requireNewOrEmpty(target);
        requireSpace(target, existed, total);
        boolean written = false;
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE); Arena arena = Arena.ofShared()) {
            MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            // the magic goes in last: until the file is complete no reader takes it for a GGUF
            MemorySegment.copy(header.array(), MAGIC_BYTES, out, ValueLayout.JAVA_BYTE, MAGIC_BYTES, header.size() - MAGIC_BYTES);
            // padding is zero: the header pad, and the gaps between tensors
            out.asSlice(header.size(), dataStart - header.size()).fill((byte) 0);
            for (int i = 0; i < tensors.size(); i++) {
                long end = dataStart + offsets[i] + tensors.get(i).byteSize();
                long next = i + 1 < tensors.size() ? dataStart + offsets[i + 1] : total;
                out.asSlice(end, next - end).fill((byte) 0);
            }
            fill(out, dataStart, offsets, threads);
            out.force();
            MemorySegment.copy(header.array(), 0, out, ValueLayout.JAVA_BYTE, 0, MAGIC_BYTES);
            out.asSlice(0, MAGIC_BYTES).force();
            written = true;
        } catch (IOException e) {
            throw problem(reason(e));
        } catch (InternalError e) {
            // the JVM's report of a fault in a mapped page: here, a full disk refusing the page
            // (a sparse file gets its blocks as they are written); else a fault in the input the
            // sources read, which the caller explains
            long free = usableSpace(target);
            if (free >= 0 && free < total) {
                throw new KilnException("cannot write " + file + ": no space left on device (" + bytes(free)
                        + " free; the file needs " + bytes(total) + ")", e);
            }
            throw e;
        } finally {
            if (!written) {
                discard(target, existed);
            }
        }
    }

    private static long usableSpace(Path file) {
        try {
            return Files.getFileStore(file).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * A writer fills a new file, or an empty one (the partial file of runtime's {@code OutputFile},
     * which then renames it into place): it never destroys data, and never writes into a device.
     *
     * @return whether the file existed
     */
    private boolean requireNewOrEmpty(Path target) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            throw problem("it exists and is not a regular file");
        }
        try {
            if (Files.size(target) != 0) {
                throw problem("it already exists and is not empty (a writer fills only a new or empty file)");
            }
        } catch (IOException e) {
            throw problem(reason(e));
        }
        return true;
    }

    /** Refuses before any work when the file system has less room than the file needs. */
    private void requireSpace(Path target, boolean existed, long total) {
        long free = usableSpace(existed ? target : target.getParent());
        if (free >= 0 && free < total) {
            throw problem("no space left on device (the file needs " + bytes(total) + ", " + bytes(free) + " free)");
        }
    }

    /** After a failure: a file this writer created is deleted, an empty one it was given is emptied again. */
    private static void discard(Path target, boolean existed) {
        try {
            if (existed) {
                try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                }
            } else {
                Files.deleteIfExists(target);
            }
        } catch (IOException | RuntimeException e) {
            // the original failure is what matters
        }
    }

    private static String reason(IOException e) {
        String r = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage();
        return r == null ? e.getClass().getSimpleName() : r;
    }

    private static String bytes(long n) {
        return n < 1 << 20 ? String.format(Locale.ROOT, "%.1f KiB", n / 1024.0) : String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }

    private void fill(MemorySegment out, long dataStart, long[] offsets, int threads) {
        int workers = Math.min(Math.max(threads, 1), tensors.size());
        if (workers <= 1) {
            for (int i = 0; i < tensors.size(); i++) {
                runSource(out, dataStart, offsets, i);
            }
            return;
        }
        AtomicInteger count = new AtomicInteger();
        ThreadFactory platform = r -> {
            Thread t = new Thread(r, "gguf-writer-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ExecutorService pool = Executors.newFixedThreadPool(workers, platform);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < tensors.size(); i++) {
                int index = i;
                jobs.add(pool.submit(() -> runSource(out, dataStart, offsets, index)));
            }
            for (Future<?> job : jobs) {
                try {
                    job.get();
                } catch (ExecutionException e) {
                    jobs.forEach(j -> j.cancel(true));
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error; // out of memory, or a fault in the mapping: the caller explains these
                    }
                    throw new KilnException("cannot write " + file + ": " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KilnException("interrupted while writing " + file, e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void runSource(MemorySegment out, long dataStart, long[] offsets, int i) {
        PendingTensor t = tensors.get(i);
        MemorySegment target = out.asSlice(dataStart + offsets[i], t.byteSize());
        try {
            t.source().writeTo(target);
        } catch (KilnException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KilnException("cannot write " + file + ": tensor " + GgufReader.quoted(t.name()) + " failed: " + e, e);
        }
    }

    private void serializeHeader(HeaderBytes h, long[] offsets) {
        h.u32(GgufFormat.MAGIC);
        h.u32(GgufFormat.WRITE_VERSION);
        h.u64(tensors.size());
        h.u64(metadata.size());
        String current = null;
        try {
            for (Map.Entry<String, MetadataValue> e : metadata.entrySet()) {
                current = "metadata key " + GgufReader.quoted(e.getKey());
                h.string(e.getKey());
                h.u32(e.getValue().type().id());
                value(h, e.getValue(), 0);
            }
            for (int i = 0; i < tensors.size(); i++) {
                PendingTensor t = tensors.get(i);
                current = "tensor " + GgufReader.quoted(t.name()) + "";
                h.string(t.name());
                h.u32(t.shape().length);
                for (long d : t.shape()) {
                    h.u64(d);
                }
                h.u32(t.type().id());
                h.u64(offsets[i]);
            }
        } catch (CharacterCodingException e) {
            throw problem(current + " holds a string that is not valid Unicode (unpaired surrogate)");
        } catch (ValueOutOfRange e) {
            throw problem(current + ": " + e.getMessage());
        }
    }

    private void value(HeaderBytes h, MetadataValue v, int depth) throws CharacterCodingException {
        Object o = v.value();
        switch (v.type()) {
            case UINT8, INT8 -> h.u8((int) inRange(v.type(), (Long) o));
            case UINT16, INT16 -> h.u16((int) inRange(v.type(), (Long) o));
            case UINT32, INT32 -> h.u32(inRange(v.type(), (Long) o));
            case UINT64, INT64 -> h.u64((Long) o);
            case FLOAT32 -> h.f32((Float) o);
            case FLOAT64 -> h.f64((Double) o);
            case BOOL -> h.u8((Boolean) o ? 1 : 0);
            case STRING -> h.string((String) o);
            case ARRAY -> array(h, (MetadataArray) o, depth);
        }
    }

    private void array(HeaderBytes h, MetadataArray a, int depth) throws CharacterCodingException {
        if (depth >= GgufReader.MAX_ARRAY_DEPTH) {
            throw problem("metadata arrays nested deeper than " + GgufReader.MAX_ARRAY_DEPTH);
        }
        h.u32(a.elementType().id());
        h.u64(a.length());
        switch (a.values()) {
            case long[] l -> {
                for (long value : l) {
                    long x = inRange(a.elementType(), value);
                    switch (a.elementType()) {
                        case UINT8, INT8 -> h.u8((int) x);
                        case UINT16, INT16 -> h.u16((int) x);
                        case UINT32, INT32 -> h.u32(x);
                        default -> h.u64(x);
                    }
                }
            }
            case float[] f -> {
                for (float x : f) {
                    h.f32(x);
                }
            }
            case double[] d -> {
                for (double x : d) {
                    h.f64(x);
                }
            }
            case boolean[] b -> {
                for (boolean x : b) {
                    h.u8(x ? 1 : 0);
                }
            }
            case String[] s -> {
                for (String x : s) {
                    h.string(Objects.requireNonNull(x, "null string in metadata array"));
                }
            }
            case MetadataArray[] nested -> {
                for (MetadataArray x : nested) {
                    array(h, Objects.requireNonNull(x, "null nested metadata array"), depth + 1);
                }
            }
            default -> throw new AssertionError(a.values().getClass());
        }
    }

    /** {@code v} if it fits {@code type}; GGUF would otherwise silently store a different number. */
    private long inRange(ValueType type, long v) {
        boolean fits = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true;
        };
        if (!fits) {
            throw new ValueOutOfRange(type + " cannot hold " + v);
        }
        return v;
    }

    /** Thrown while serializing, caught where the key being written is known. */
    private static final class ValueOutOfRange extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ValueOutOfRange(String message) {
            super(message, null, false, false);
        }
    }

    private long alignmentOf(MetadataValue v) {
        if (v.type() != ValueType.UINT32) {
            throw problem(GgufFormat.ALIGNMENT_KEY + " must be UINT32 (llama.cpp reads it as such), got " + v.type());
        }
        long a = v.asLong();
        if (a <= 0 || a > GgufReader.MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw problem(GgufFormat.ALIGNMENT_KEY + " " + a + " is not a power of two in 1.." + GgufReader.MAX_ALIGNMENT);
        }
        return a;
    }

    private KilnException problem(String message) {
        return new KilnException("cannot write " + file + ": " + message);
    }
}
