package dev.kiln.quant.q6_k;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal test-only GGUF reader for the fixture files (trusted input): tensor name, ggml type
 * id, shape and data slice. Stands in until the format-gguf plugin can be used here.
 */
final class FixtureGguf implements AutoCloseable {
    record Tensor(String name, int type, long[] shape, MemorySegment data) {
        long rows() {
            long n = 1;
            for (int i = 1; i < shape.length; i++) {
                n *= shape[i];
            }
            return n;
        }
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena = Arena.ofShared();
    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final MemorySegment file;
    private long pos;

    static Path fixture(String relative) {
        return Path.of(System.getProperty("kiln.fixtures", "../fixtures")).resolve(relative);
    }

    FixtureGguf(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
        pos = 4;
        int version = u32();
        long nTensors = u64();
        long nKv = u64();
        long alignment = 32;
        for (long i = 0; i < nKv; i++) {
            String key = str();
            int type = u32();
            if (key.equals("general.alignment")) {
                alignment = u32();
            } else {
                skip(type);
            }
        }
        String[] names = new String[(int) nTensors];
        int[] types = new int[(int) nTensors];
        long[][] shapes = new long[(int) nTensors][];
        long[] offsets = new long[(int) nTensors];
        for (int t = 0; t < nTensors; t++) {
            names[t] = str();
            int nd = u32();
            shapes[t] = new long[nd];
            for (int d = 0; d < nd; d++) {
                shapes[t][d] = u64();
            }
            types[t] = u32();
            offsets[t] = u64();
        }
        long data = (pos + alignment - 1) / alignment * alignment;
        for (int t = 0; t < nTensors; t++) {
            long start = data + offsets[t];
            long end = t + 1 < nTensors ? data + offsets[t + 1] : file.byteSize();
            tensors.put(names[t], new Tensor(names[t], types[t], shapes[t], file.asSlice(start, end - start)));
        }
        if (version < 2) {
            throw new IOException("old gguf");
        }
    }

    private int u32() {
        int v = file.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64() {
        long v = file.get(U64, pos);
        pos += 8;
        return v;
    }

    private String str() {
        int n = (int) u64();
        byte[] b = file.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
        pos += n;
        return new String(b, StandardCharsets.UTF_8);
    }

    private void skip(int type) {
        switch (type) {
            case 0, 1, 7 -> pos += 1;
            case 2, 3 -> pos += 2;
            case 4, 5, 6 -> pos += 4;
            case 10, 11, 12 -> pos += 8;
            case 8 -> str();
            case 9 -> {
                int et = u32();
                long n = u64();
                for (long i = 0; i < n; i++) {
                    skip(et);
                }
            }
            default -> throw new IllegalStateException("type " + type);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
