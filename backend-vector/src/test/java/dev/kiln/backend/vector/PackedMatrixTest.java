package dev.kiln.backend.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.BackendContract;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packed layouts' own parts (and which matrices get packed): the vector f16 → f32 scale
 * conversion against {@link Float#float16ToFloat} for all 65536 halves (subnormals, infinities,
 * NaNs included), in the Q4_0 decoder (prompt path) and dot kernel (token path) and in Q4_K's; and that a matrix whose file
 * was closed is never served from a stale packed copy. (Agreement with the plugin on random
 * matrices is in {@link VectorKernelsTest}, 48-row cases.)
 */
class PackedMatrixTest {

    private static final int GROUP = PackedQ4_0.GROUP;

    /** Q4_0 blocks whose nibbles are all 9 (value 1 · d) and whose scale is {@code half}. */
    private static void block(MemorySegment m, long offset, short half) {
        m.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), offset, half);
        for (int j = 0; j < 16; j++) {
            m.set(ValueLayout.JAVA_BYTE, offset + 2 + j, (byte) 0x99);
        }
    }

    private static void assertSameFloat(float expected, float got, String at) {
        if (Float.isNaN(expected)) {
            assertTrue(Float.isNaN(got), at + ": expected NaN, got " + got);
        } else {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got), at + ": expected " + expected + ", got " + got);
        }
    }

    @Test
    void decoderConvertsEveryHalfScaleExactly() {
        int blocks = 65536 / GROUP;
        int cols = blocks * 32;
        try (Arena arena = Arena.ofConfined(); WorkerPool pool = new WorkerPool(2, "test")) {
            MemorySegment m = arena.allocate((long) GROUP * blocks * 18);
            for (int l = 0; l < GROUP; l++) {
                for (int k = 0; k < blocks; k++) {
                    block(m, ((long) l * blocks + k) * 18, (short) (k * GROUP + l));
                }
            }
            try (PackedQ4_0 p = PackedQ4_0.pack(m, GROUP, cols, pool)) {
                float[] dst = new float[GROUP * cols];
                p.decodeGroup(0, dst);
                for (int k = 0; k < blocks; k++) {
                    for (int l = 0; l < GROUP; l++) {
                        short h = (short) (k * GROUP + l);
                        for (int c : new int[] {0, 15, 16, 31}) {
                            assertSameFloat(Float.float16ToFloat(h), dst[(k * 32 + c) * GROUP + l],
                                    "half 0x" + Integer.toHexString(h & 0xFFFF) + " column " + c);
                        }
                    }
                }
            }
        }
    }

    @Test
    void q4kConvertsEveryHalfScaleExactly() {
        // super-blocks with d = the half under test, dmin = 0, every 6-bit scale 1 and min 0, every
        // nibble 1: each value is exactly d (decoder); Σ over one column with x = 1 is 127·d·d_x (kernel)
        int superBlocks = 256;
        int cols = superBlocks * 256;
        float[] x = new float[cols];
        for (int k = 0; k < superBlocks; k++) {
            x[k * 256] = 1f;
        }
        Q8KActivations a = Q8KActivations.of(x, 0, cols);
        try (Arena arena = Arena.ofConfined(); WorkerPool pool = new WorkerPool(2, "test")) {
            MemorySegment m = arena.allocate((long) GROUP * superBlocks * 144);
            float[] dst = new float[GROUP * cols];
            float[] out = new float[GROUP];
            for (int first = 0; first < 65536; first += GROUP * superBlocks) {
                for (int l = 0; l < GROUP; l++) {
                    for (int k = 0; k < superBlocks; k++) {
                        long b = ((long) l * superBlocks + k) * 144;
                        m.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), b, (short) (first + k * GROUP + l));
                        m.set(ValueLayout.JAVA_SHORT_UNALIGNED, b + 2, (short) 0);
                        for (int j = 0; j < 12; j++) {
                            m.set(ValueLayout.JAVA_BYTE, b + 4 + j, (byte) (j < 4 || j >= 8 ? 1 : 0));
                        }
                        for (int j = 0; j < 128; j++) {
                            m.set(ValueLayout.JAVA_BYTE, b + 16 + j, (byte) 0x11);
                        }
                    }
                }
                try (PackedQ4K p = PackedQ4K.pack(m, GROUP, cols, pool)) {
                    p.decodeGroup(0, dst);
                    for (int k = 0; k < superBlocks; k++) {
                        for (int l = 0; l < GROUP; l++) {
                            short h = (short) (first + k * GROUP + l);
                            for (int c : new int[] {0, 31, 32, 255}) {
                                assertSameFloat(Float.float16ToFloat(h), dst[(k * 256 + c) * GROUP + l],
                                        "Q4_K decoder, half 0x" + Integer.toHexString(h & 0xFFFF) + " column " + c);
                            }
                        }
                    }
                    if (first == 0) {
                        // the kernel, on the first 4096 halves (zero, subnormals, normals: no infinities to mix in the sum)
                        p.dotGroups(0, 1, a, out, 0);
                        for (int l = 0; l < GROUP; l++) {
                            float expected = 0f;
                            for (int k = 0; k < superBlocks; k++) {
                                // the one non-zero activation rounds to q = ±127; nibble 1, scale 1, min 0
                                expected = Math.fma((float) a.qs[k * 256], Float.float16ToFloat((short) (k * GROUP + l)) * a.d[k], expected);
                            }
                            assertSameFloat(expected - 0f, out[l], "Q4_K kernel row " + l);
                        }
                    }
                }
            }
        }
    }

    @Test
    void q6kDecoderConvertsEveryHalfScaleExactly() {
        // super-blocks with d = the half under test, every int8 scale 1 and every value 33 (q − 32 = 1:
        // low nibbles 1, high two bits 2): each decoded value is exactly d
        int superBlocks = 256;
        int cols = superBlocks * 256;
        try (Arena arena = Arena.ofConfined(); WorkerPool pool = new WorkerPool(2, "test")) {
            MemorySegment m = arena.allocate((long) GROUP * superBlocks * 210);
            float[] dst = new float[GROUP * cols];
            for (int first = 0; first < 65536; first += GROUP * superBlocks) {
                for (int l = 0; l < GROUP; l++) {
                    for (int k = 0; k < superBlocks; k++) {
                        long b = ((long) l * superBlocks + k) * 210;
                        for (int j = 0; j < 128; j++) {
                            m.set(ValueLayout.JAVA_BYTE, b + j, (byte) 0x11);
                        }
                        for (int j = 0; j < 64; j++) {
                            m.set(ValueLayout.JAVA_BYTE, b + 128 + j, (byte) 0xAA);
                        }
                        for (int j = 0; j < 16; j++) {
                            m.set(ValueLayout.JAVA_BYTE, b + 192 + j, (byte) 1);
                        }
                        m.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), b + 208, (short) (first + k * GROUP + l));
                    }
                }
                try (PackedQ6K p = PackedQ6K.pack(m, GROUP, cols, pool)) {
                    p.decodeGroup(0, dst);
                    for (int k = 0; k < superBlocks; k++) {
                        for (int l = 0; l < GROUP; l++) {
                            short h = (short) (first + k * GROUP + l);
                            for (int c : new int[] {0, 31, 32, 64, 96, 127, 128, 255}) {
                                assertSameFloat(Float.float16ToFloat(h), dst[(k * 256 + c) * GROUP + l],
                                        "Q6_K decoder, half 0x" + Integer.toHexString(h & 0xFFFF) + " column " + c);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void dotKernelConvertsEveryHalfScaleExactly() {
        // one block per row; x = [1, 0, …]: Q8_0 rounds it to 127 · f16(1/127), and the kernel's result
        // per row is the exact integer 127 times (d · d_x), added to a zero accumulator
        float[] x = new float[32];
        x[0] = 1f;
        Q8Activations a = Q8Activations.of(x, 0, 32, Lanes.of(512));
        PackedQ4_0.Prepared prepared = new PackedQ4_0.Prepared(a, PackedQ4_0.bias(a));
        float dx = a.d[0];
        try (Arena arena = Arena.ofConfined(); WorkerPool pool = new WorkerPool(1, "test")) {
            MemorySegment m = arena.allocate(GROUP * 18);
            float[] out = new float[GROUP];
            for (int first = 0; first < 65536; first += GROUP) {
                for (int l = 0; l < GROUP; l++) {
                    block(m, l * 18L, (short) (first + l));
                }
                try (PackedQ4_0 p = PackedQ4_0.pack(m, GROUP, 32, pool)) {
                    p.dotGroups(0, 1, prepared, out, 0);
                }
                for (int l = 0; l < GROUP; l++) {
                    short h = (short) (first + l);
                    assertSameFloat(Math.fma(127f, Float.float16ToFloat(h) * dx, 0f), out[l], "half 0x" + Integer.toHexString(h & 0xFFFF));
                }
            }
        }
    }

    @Test
    void aClosedFilesPackedCopyIsNotReused(@TempDir Path dir) throws IOException {
        QuantType q4 = BackendContract.discoveredQuantTypes().stream()
                .filter(t -> t.ggmlType() == GgmlType.Q4_0).findFirst().orElseThrow();
        int rows = 32;
        int cols = 64;
        long bytes = q4.byteSize(cols) * rows;
        Random rnd = new Random(5);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        try (VectorCompute c = new VectorCompute(2, Lanes.of(512))) {
            for (int round = 0; round < 4; round++) {
                float[] w = new float[rows * cols];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) rnd.nextGaussian();
                }
                Path file = dir.resolve("m" + round + ".bin");
                try (Arena build = Arena.ofConfined()) {
                    MemorySegment tmp = build.allocate(bytes);
                    for (int r = 0; r < rows; r++) {
                        q4.quantize(w, r * cols, cols, tmp, r * q4.byteSize(cols));
                    }
                    Files.write(file, tmp.toArray(ValueLayout.JAVA_BYTE));
                }
                // a fresh mapping of the same size each round, often at the address of the last one
                try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes, arena).asReadOnly();
                    Weights weights = new Weights("m", q4, data, rows, cols);
                    float[] out = new float[rows];
                    c.matmul(weights, x, out, 1);
                    float[] again = new float[rows];
                    c.matmul(weights, x, again, 1); // from the packed copy (the mapping's pages were unloaded)
                    var k = q4.kernel();
                    for (int r = 0; r < rows; r++) {
                        float ref = dot(k, data, r * q4.byteSize(cols), x, cols);
                        assertEquals(ref, out[r], 1e-4f * (1 + Math.abs(ref)), "round " + round + " row " + r);
                        assertEquals(out[r], again[r], "round " + round + " row " + r + " second call");
                    }
                    assertEquals(1, c.packedMatrices(), "round " + round + ": the last file's copy replaced the others");
                }
            }
        }
    }

    @Test
    void q4_0Q4_KAndQ6_KMatricesOfWholeGroupsArePackedAt512BitsOnlyAndQ8_0NotByDefault() {
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0}) {
            QuantType q = BackendContract.discoveredQuantTypes().stream()
                    .filter(t -> t.ggmlType() == type).findFirst().orElseThrow();
            int cols = 256;
            for (int rows : new int[] {48, 40}) {
                MemorySegment data = Arena.ofAuto().allocate(q.byteSize(cols) * rows);
                float[] src = new float[rows * cols];
                java.util.Arrays.fill(src, 0.25f);
                for (int r = 0; r < rows; r++) {
                    q.quantize(src, r * cols, cols, data, r * q.byteSize(cols));
                }
                for (int bits : new int[] {512, 256}) {
                    try (VectorCompute c = new VectorCompute(1, Lanes.of(bits))) {
                        float[] out = new float[rows];
                        c.matmul(new Weights("w", q, data, rows, cols), new float[cols], out, 1);
                        boolean expected = bits == 512 && rows % GROUP == 0 && type != GgmlType.Q8_0;
                        assertEquals(expected ? 1 : 0, c.packedMatrices(), type + " " + rows + " rows @" + bits);
                    }
                }
            }
        }
    }

    @Test
    void transposeMovesEveryByte() {
        Random rnd = new Random(3);
        int stride = 37;
        byte[] in = new byte[3 + 15 * stride + 16 + 5];
        rnd.nextBytes(in);
        byte[] out = new byte[7 + 256 + 9];
        PackedMatrix.transpose16(in, 3, stride, out, 7);
        for (int l = 0; l < 16; l++) {
            for (int j = 0; j < 16; j++) {
                assertEquals(in[3 + l * stride + j], out[7 + 16 * j + l], "row " + l + " byte " + j);
            }
        }
        assertEquals(0, out[6]);
        assertEquals(0, out[7 + 256]);
    }

    @Test
    void weightsInAThreadConfinedSegmentAreNotPacked() {
        QuantType q4 = BackendContract.discoveredQuantTypes().stream()
                .filter(t -> t.ggmlType() == GgmlType.Q4_0).findFirst().orElseThrow();
        // one thread: the caller does all the work (a pool's workers could not read the segment at all)
        try (Arena confined = Arena.ofConfined(); VectorCompute c = new VectorCompute(1, Lanes.of(512))) {
            int rows = 32;
            int cols = 64;
            MemorySegment data = confined.allocate(q4.byteSize(cols) * rows);
            float[] w = new float[rows * cols];
            java.util.Arrays.fill(w, 0.5f);
            for (int r = 0; r < rows; r++) {
                q4.quantize(w, r * cols, cols, data, r * q4.byteSize(cols));
            }
            float[] x = new float[cols];
            java.util.Arrays.fill(x, 1f);
            Weights weights = new Weights("confined", q4, data, rows, cols);
            for (int call = 0; call < 3; call++) {
                float[] out = new float[rows];
                c.matmul(weights, x, out, 1);
                assertEquals(32f, out[0], 0.05f, "call " + call);
            }
            assertEquals(0, c.packedMatrices());
        }
    }

    private static <A> float dot(dev.kiln.api.quant.DotKernel<A> k, MemorySegment data, long offset, float[] x, int n) {
        return k.dot(data, offset, k.prepare(x, 0, n), n);
    }
}
