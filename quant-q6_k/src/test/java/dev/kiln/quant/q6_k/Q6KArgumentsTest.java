package dev.kiln.quant.q6_k;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantException;
import dev.kiln.api.quant.QuantType;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Geometry, discovery, special rows, and rejection of every out-of-range argument. */
class Q6KArgumentsTest {
    private final Q6K type = new Q6K();

    @SuppressWarnings("unchecked")
    private DotKernel<Q8KActivations> kernel() {
        return (DotKernel<Q8KActivations>) type.kernel();
    }

    @Test
    void geometryAndDiscovery() {
        assertEquals(GgmlType.Q6_K, type.ggmlType());
        assertEquals("Q6_K", type.name());
        assertEquals(256, type.blockSize());
        assertEquals(210, type.blockBytes());
        assertEquals(420, type.byteSize(512));
        Q6K.class.getModule().addUses(QuantType.class);
        assertTrue(ServiceLoader.load(QuantType.class).stream()
                .anyMatch(p -> p.type() == Q6K.class), "Q6K is not provided as a QuantType service");
    }

    @Test
    void rejectsRangesOutsideTheData() {
        MemorySegment block = MemorySegment.ofArray(new byte[210]);
        float[] x = new float[256];
        Q8KActivations xq = kernel().prepare(x, 0, 256);
        rejects(() -> type.dequantize(block, 1, new float[256], 0, 256));
        rejects(() -> type.dequantize(block, -210, new float[256], 0, 256));
        rejects(() -> type.dequantize(block, 0, new float[256], 0, 512));
        rejects(() -> type.dequantize(block, 0, new float[256], 1, 256));
        rejects(() -> type.dequantize(block, 0, new float[256], -1, 256));
        rejects(() -> type.dequantize(block, 0, new float[256], 0, 100));
        rejects(() -> type.dequantize(block, Long.MAX_VALUE, new float[256], 0, 256));
        rejects(() -> type.dequantize(null, 0, new float[256], 0, 256));
        rejects(() -> type.dequantize(block, 0, null, 0, 256));
        rejects(() -> type.quantize(x, 0, 256, MemorySegment.ofArray(new byte[209]), 0));
        rejects(() -> type.quantize(x, 1, 256, block, 0));
        rejects(() -> type.quantize(x, 0, -256, block, 0));
        rejects(() -> type.quantize(x, 0, 256, block.asReadOnly(), 0));
        rejects(() -> kernel().prepare(x, 0, 128));
        rejects(() -> kernel().prepare(x, 256, 256));
        rejects(() -> kernel().prepare(null, 0, 256));
        rejects(() -> kernel().dot(block, 1, xq, 256));
        rejects(() -> kernel().dot(block, 0, xq, 512));
        rejects(() -> kernel().dot(block, 0, null, 256));
        rejects(() -> kernel().dot(block, -1, xq, 256));
        rejects(() -> kernel().dotRows(block, 0, 210, 2, xq, 256, new float[2], 0));
        rejects(() -> kernel().dotRows(block, 0, 210, 1, xq, 256, new float[1], 1));
        rejects(() -> kernel().dotRows(block, 0, 100, 1, xq, 256, new float[1], 0));
        rejects(() -> kernel().dotRows(block, 0, Long.MAX_VALUE, 3, xq, 256, new float[3], 0));
        rejects(() -> kernel().dotRows(block, 0, 210, -1, xq, 256, new float[1], 0));
    }

    private static void rejects(Executable call) {
        assertThrows(QuantException.class, call);
    }

    @Test
    void specialRowsRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(210);
            float[] back = new float[256];
            float[] zero = new float[256];
            type.quantize(zero, 0, 256, q, 0);
            type.dequantize(q, 0, back, 0, 256);
            for (float v : back) {
                assertEquals(0f, v, 0f); // ggml gives -0.0 here (0 · negative level)
            }
            float[] constant = new float[256];
            java.util.Arrays.fill(constant, 3f);
            type.quantize(constant, 0, 256, q, 0);
            type.dequantize(q, 0, back, 0, 256);
            for (float v : back) {
                assertEquals(3f, v, 3f / 63 / 2 + 1e-3f);
            }
            float[] tiny = new float[256];
            java.util.Arrays.fill(tiny, Float.MIN_NORMAL / 4); // denormal
            type.quantize(tiny, 0, 256, q, 0);
            type.dequantize(q, 0, back, 0, 256);
            for (float v : back) {
                assertTrue(Float.isFinite(v) && Math.abs(v) < 1e-30f);
            }
            float[] big = new float[256];
            for (int i = 0; i < 256; i++) {
                big[i] = (i - 128) * 100f; // |x| up to 12800: scales still fit f16
            }
            type.quantize(big, 0, 256, q, 0);
            type.dequantize(q, 0, back, 0, 256);
            for (int i = 0; i < 256; i++) {
                assertEquals(big[i], back[i], 12800f / 15);
            }
        }
    }

    @Test
    void concurrentDotsAgree() throws Exception {
        float[] w = new float[2048];
        float[] x = new float[2048];
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
            x[i] = (float) rnd.nextGaussian();
        }
        MemorySegment q = Arena.ofAuto().allocate(type.byteSize(w.length));
        type.quantize(w, 0, w.length, q, 0);
        Q8KActivations xq = kernel().prepare(x, 0, x.length);
        float expected = kernel().dot(q, 0, xq, x.length);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<Float>>();
            for (int t = 0; t < 16; t++) {
                futures.add(pool.submit(() -> kernel().dot(q, 0, xq, x.length)));
            }
            for (var f : futures) {
                assertEquals(expected, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }
}
