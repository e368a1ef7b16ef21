package dev.kiln.format.gguf;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFormatException;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.format.ValueType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates a GGUF v2/v3 file from a read-only mapping of the whole file.
 * Every count and length is checked against the bytes left in the file before anything is
 * allocated for it, so a hostile header fails fast with a {@link ModelFormatException}
 * instead of exhausting memory.
 */
public final class GgufReader {
    /** Deepest nesting of arrays inside arrays we accept (llama.cpp itself writes none). */
    static final int MAX_ARRAY_DEPTH = 8;
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    /** Largest alignment we accept; real files use 32. */
    static final long MAX_ALIGNMENT = 1L << 30;
    /** Smallest possible key/value entry: key length, empty key, type id, one byte. */
    private static final long MIN_KV_BYTES = 8 + 4 + 1;
    /** Smallest possible tensor info: name length, n_dims, one dim, type id, offset. */
    private static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

    private final Path file;
    private final HeaderCursor in;

    private GgufReader(Path file, MemorySegment mapping) {
        this.file = file;
        this.in = new HeaderCursor(file, mapping);
    }

    /**
     * Maps and validates {@code file}.
     *
     * @throws ModelFormatException for any malformed, truncated or unreadable file
     */
    public static GgufFile open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                mapping = size == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            return new GgufReader(file, mapping).parse(arena, mapping);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFormatException(file, -1, "no such file", e);
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(file, -1, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private GgufFile parse(Arena arena, MemorySegment mapping) {
        long magic = in.u32("magic");
        if (magic != (GgufFormat.MAGIC & 0xFFFF_FFFFL)) {
            throw in.error(0, String.format("bad magic 0x%08x: not a GGUF file", magic));
        }
        long versionAt = in.position();
        long version = in.u32("version");
        if (version != 2 && version != 3) {
            String hint = version == 1 ? " (GGUF v1 is obsolete)"
                    : Long.reverseBytes(version << 32) == 2 || Long.reverseBytes(version << 32) == 3
                            ? " (big-endian GGUF is not supported)" : "";
            throw in.error(versionAt, "unsupported GGUF version " + version + hint + "; supported: 2, 3");
        }
        long tensorCountAt = in.position();
        long tensorCount = in.u64("tensor count");
        long kvCountAt = in.position();
        long kvCount = in.u64("metadata key/value count");
        if (Long.compareUnsigned(kvCount, in.remaining() / MIN_KV_BYTES) > 0) {
            throw in.error(kvCountAt, "metadata key/value count " + Long.toUnsignedString(kvCount)
                    + " is more than the file can hold");
        }
        if (Long.compareUnsigned(tensorCount, in.remaining() / MIN_TENSOR_INFO_BYTES) > 0) {
            throw in.error(tensorCountAt, "tensor count " + Long.toUnsignedString(tensorCount)
                    + " is more than the file can hold");
        }

        Map<String, MetadataValue> entries = new LinkedHashMap<>();
        long alignmentAt = -1;
        for (long i = 0; i < kvCount; i++) {
            long keyAt = in.position();
            String key = in.string("metadata key #" + i);
            if (entries.containsKey(key)) {
                throw in.error(keyAt, "duplicate metadata key " + quoted(key) + "");
            }
            long typeAt = in.position();
            ValueType type = valueType(in.u32("type of " + quoted(key) + ""), typeAt, key);
            if (key.equals(GgufFormat.ALIGNMENT_KEY)) {
                alignmentAt = in.position();
            }
            entries.put(key, value(type, key, 0));
        }
        long alignment = alignment(entries, alignmentAt);

        List<TensorInfo> tensors = new ArrayList<>();
        List<Long> infoOffsets = new ArrayList<>();
        List<Long> relativeOffsets = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            long infoAt = in.position();
            String name = in.string("name of tensor #" + i);
            if (!names.add(name)) {
                throw in.error(infoAt, "duplicate tensor name " + quoted(name) + "");
            }
            long dimsAt = in.position();
            long nDims = in.u32("dimension count of tensor " + quoted(name) + "");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw in.error(dimsAt, "tensor " + quoted(name) + " has " + nDims + " dimensions; must be 1.." + MAX_DIMS);
            }
            long[] shape = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long dimAt = in.position();
                long dim = in.u64("dimension " + d + " of tensor " + quoted(name) + "");
                if (dim <= 0) {
                    throw in.error(dimAt, "tensor " + quoted(name) + " dimension " + d + " is " + Long.toUnsignedString(dim)
                            + "; must be positive");
                }
                shape[d] = dim;
                try {
                    elements = Math.multiplyExact(elements, dim);
                } catch (ArithmeticException e) {
                    throw in.error(dimAt, "tensor " + quoted(name) + " dimension product overflows (shape "
                            + Arrays.toString(Arrays.copyOf(shape, d + 1)) + ")");
                }
            }
            long typeAt = in.position();
            long typeId = in.u32("type of tensor " + quoted(name) + "");
            GgmlType type = typeId > Integer.MAX_VALUE ? null : GgmlType.byId((int) typeId).orElse(null);
            if (type == null) {
                throw in.error(typeAt, "tensor " + quoted(name) + " has unknown GGML type id " + typeId);
            }
            if (shape[0] % type.blockSize() != 0) {
                throw in.error(typeAt, "tensor " + quoted(name) + " row length " + shape[0] + " is not a multiple of the "
                        + type + " block size " + type.blockSize());
            }
            long byteSize = type.byteSize(elements);
            if (byteSize < 0) {
                throw in.error(typeAt, "tensor " + quoted(name) + " byte size overflows (" + elements + " " + type + " elements)");
            }
            long offsetAt = in.position();
            long relative = in.u64("data offset of tensor " + quoted(name) + "");
            if (relative < 0) {
                throw in.error(offsetAt, "tensor " + quoted(name) + " data offset " + Long.toUnsignedString(relative)
                        + " is beyond the end of the file");
            }
            if (relative % alignment != 0) {
                throw in.error(offsetAt, "tensor " + quoted(name) + " data offset " + relative + " is not a multiple of the alignment "
                        + alignment);
            }
            tensors.add(new TensorInfo(name, type, shape, relative, byteSize));
            infoOffsets.add(offsetAt);
            relativeOffsets.add(relative);
        }

        long tableEnd = in.position();
        long dataOffset = alignUp(tableEnd, alignment);
        long size = in.size();
        if (!tensors.isEmpty() && dataOffset > size) {
            throw in.error(tableEnd, "truncated: tensor data section should start at byte " + dataOffset
                    + " but the file ends at byte " + size);
        }
        List<TensorInfo> placed = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            TensorInfo t = tensors.get(i);
            long relative = relativeOffsets.get(i);
            long room = size - dataOffset;
            if (relative > room || t.byteSize() > room - relative) {
                throw in.error(infoOffsets.get(i), "tensor " + quoted(t.name()) + " data [" + relative + ", +" + t.byteSize()
                        + ") relative to the data section at byte " + dataOffset + " lies outside the file (" + size
                        + " bytes)");
            }
            placed.add(new TensorInfo(t.name(), t.type(), t.shape(), dataOffset + relative, t.byteSize()));
        }
        checkOverlaps(placed, infoOffsets);
        return new GgufFile(file, (int) version, alignment, tableEnd, dataOffset, new Metadata(entries), placed, arena, mapping);
    }

    private void checkOverlaps(List<TensorInfo> tensors, List<Long> infoOffsets) {
        Integer[] order = new Integer[tensors.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> tensors.get(i).offset()));
        for (int k = 1; k < order.length; k++) {
            TensorInfo prev = tensors.get(order[k - 1]);
            TensorInfo cur = tensors.get(order[k]);
            // zero-length tensors cannot occur (dims are positive), so touching ranges are fine
            if (cur.offset() < prev.offset() + prev.byteSize()) {
                throw in.error(infoOffsets.get(order[k]), "tensor " + quoted(cur.name()) + " data at byte " + cur.offset()
                        + " overlaps tensor " + quoted(prev.name()) + " (bytes " + prev.offset() + ".."
                        + (prev.offset() + prev.byteSize()) + ")");
            }
        }
    }

    private long alignment(Map<String, MetadataValue> entries, long at) {
        MetadataValue v = entries.get(GgufFormat.ALIGNMENT_KEY);
        if (v == null) {
            return GgufFormat.DEFAULT_ALIGNMENT;
        }
        if (v.type() != ValueType.UINT32) {
            // llama.cpp reads it with gguf_get_val_u32 (any other type aborts it), and GgufWriter writes UINT32 only
            throw in.error(at, GgufFormat.ALIGNMENT_KEY + " is " + v.type() + ", expected UINT32");
        }
        long a = v.asLong();
        if (a <= 0 || a > MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw in.error(at, GgufFormat.ALIGNMENT_KEY + " is " + v + "; alignment must be a power of two in 1.."
                    + MAX_ALIGNMENT);
        }
        return a;
    }

    /** Longest part of a key or tensor name a message quotes: a hostile file may hold megabytes. */
    static final int MAX_QUOTED = 80;

    /** {@code name} in single quotes for a message, cut after {@value #MAX_QUOTED} characters. */
    static String quoted(String name) {
        if (name.length() <= MAX_QUOTED) {
            return "'" + name + "'";
        }
        int end = name.offsetByCodePoints(0, name.codePointCount(0, MAX_QUOTED));
        return "'" + name.substring(0, end) + "…' (" + name.length() + " chars)";
    }

    static long alignUp(long offset, long alignment) {
        long r = offset % alignment;
        return r == 0 ? offset : offset + (alignment - r);
    }

    private ValueType valueType(long id, long at, String key) {
        return ValueType.byId(id).orElseThrow(() -> in.error(at, "metadata " + quoted(key) + " has unknown value type id " + id));
    }

    private MetadataValue value(ValueType type, String key, int depth) {
        String what = "value of " + quoted(key) + "";
        return switch (type) {
            case UINT8 -> new MetadataValue(type, (long) in.u8(what));
            case INT8 -> new MetadataValue(type, (long) (byte) in.u8(what));
            case UINT16 -> new MetadataValue(type, (long) in.u16(what));
            case INT16 -> new MetadataValue(type, (long) (short) in.u16(what));
            case UINT32 -> new MetadataValue(type, in.u32(what));
            case INT32 -> new MetadataValue(type, (long) (int) in.u32(what));
            case UINT64, INT64 -> new MetadataValue(type, in.u64(what));
            case FLOAT32 -> new MetadataValue(type, in.f32(what));
            case FLOAT64 -> new MetadataValue(type, in.f64(what));
            case BOOL -> new MetadataValue(type, bool(what));
            case STRING -> new MetadataValue(type, in.string(what));
            case ARRAY -> new MetadataValue(type, array(key, depth));
        };
    }

    private boolean bool(String what) {
        long at = in.position();
        int b = in.u8(what);
        if (b > 1) {
            throw in.error(at, what + " is a BOOL of value " + b + "; must be 0 or 1");
        }
        return b == 1;
    }

    private MetadataArray array(String key, int depth) {
        long start = in.position();
        if (depth >= MAX_ARRAY_DEPTH) {
            throw in.error(start, "metadata " + quoted(key) + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
        }
        ValueType elementType = valueType(in.u32("array element type of " + quoted(key) + ""), start, key);
        long countAt = in.position();
        long count = in.u64("array length of " + quoted(key) + "");
        long minBytes = minBytes(elementType);
        if (count < 0 || count > in.remaining() / minBytes) {
            throw in.error(countAt, "metadata " + quoted(key) + " array length " + Long.toUnsignedString(count)
                    + " runs past the end of the file");
        }
        if (count > HeaderCursor.MAX_JAVA_LENGTH) {
            throw in.error(countAt, "metadata " + quoted(key) + " array length " + count + " is too long");
        }
        int n = (int) count;
        String what = "element of " + quoted(key) + "";
        try {
            return arrayOf(elementType, n, key, what, depth);
        } catch (OutOfMemoryError e) {
            // one primitive array allocation failed atomically: nothing is half-built, so report it
            throw in.error(countAt, "metadata " + quoted(key) + " array of " + n + " " + elementType
                    + " elements does not fit in the Java heap");
        }
    }

    private MetadataArray arrayOf(ValueType elementType, int n, String key, String what, int depth) {
        return switch (elementType) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = switch (elementType) {
                        case UINT8 -> in.u8(what);
                        case INT8 -> (byte) in.u8(what);
                        case UINT16 -> in.u16(what);
                        case INT16 -> (short) in.u16(what);
                        case UINT32 -> in.u32(what);
                        case INT32 -> (int) in.u32(what);
                        default -> in.u64(what);
                    };
                }
                yield new MetadataArray(elementType, a);
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.f32(what);
                }
                yield new MetadataArray(elementType, a);
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.f64(what);
                }
                yield new MetadataArray(elementType, a);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = bool(what);
                }
                yield new MetadataArray(elementType, a);
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.string(what);
                }
                yield new MetadataArray(elementType, a);
            }
            case ARRAY -> {
                MetadataArray[] a = new MetadataArray[n];
                for (int i = 0; i < n; i++) {
                    a[i] = array(key, depth + 1);
                }
                yield new MetadataArray(elementType, a);
            }
        };
    }

    /** Fewest bytes one element of {@code type} occupies on disk. */
    static long minBytes(ValueType type) {
        return switch (type) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64, STRING -> 8;
            case ARRAY -> 4 + 8;
        };
    }
}
