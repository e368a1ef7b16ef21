package dev.kiln.backend.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.backend.scalar.ScalarBackend;
import dev.kiln.conformance.BackendContract;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every built-in vector kernel at every width against the real quant plugins: odd lengths,
 * row counts that are not a multiple of the vector width or the 4-row tile, batch 1 (matvec)
 * and batches that exercise the 4×4 tile and its remainders, 48 rows for the packed paths, 1 and 2 threads. References:
 * Σ dequantize(w)·x in double (the plugin's own decoder), the plugin's own {@code kernel()}
 * and the scalar backend.
 */
class VectorKernelsTest {

    private static final Set<GgmlType> BUILT_IN = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K);
    private static final int[] WIDTHS = {512, 256, 128};
    /** Plugin types this backend packs (no row kernel of its own). */
    private static final Set<GgmlType> PACKED_PLUGIN_TYPES = EnumSet.of(GgmlType.Q5_K, GgmlType.Q3_K, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_XS, GgmlType.IQ4_NL);
    /** Types whose vector kernels multiply unrounded float activations (none now: all round like their plugins). */
    private static final Set<GgmlType> FLOAT_ACTIVATIONS = EnumSet.noneOf(GgmlType.class);

    private static List<QuantType> plugins() {
        return BackendContract.discoveredQuantTypes(); // the kit's module may look plugins up; ours need not
    }

    @Test
    void everyBuiltInTypeHasItsPluginOnTheTestPath() {
        Set<GgmlType> found = EnumSet.noneOf(GgmlType.class);
        plugins().forEach(t -> found.add(t.ggmlType()));
        assertTrue(found.containsAll(BUILT_IN), "plugins found: " + found);
    }

    @TestFactory
    Stream<DynamicTest> builtInKernelsDecodeLikeThePlugins() {
        return plugins().stream().filter(t -> BUILT_IN.contains(t.ggmlType())).flatMap(type ->
                java.util.Arrays.stream(WIDTHS).mapToObj(bits -> DynamicTest.dynamicTest(
                        type.name() + " @" + bits + "-bit is run by the built-in kernel", () -> {
                            try (VectorCompute c = new VectorCompute(1, Lanes.of(bits))) {
                                assertTrue(c.runsBuiltIn(type), type.name() + " fell back to the plugin kernel");
                            }
                        })));
    }

    @TestFactory
    Stream<DynamicTest> matmulAgreesWithReferences() {
        List<DynamicTest> tests = new ArrayList<>();
        for (QuantType type : plugins()) {
            int bs = type.blockSize();
            int[] cols = bs == 1 ? new int[] {1, 7, 33, 100} : bs == 32 ? new int[] {32, 96, 160} : new int[] {256, 768};
            // plugin types (no built-in kernel) run their own width-independent kernel except where packed
            // (512 bits, 48 rows): fewer combinations cover them
            boolean builtIn = BUILT_IN.contains(type.ggmlType());
            for (int bits : builtIn ? WIDTHS : new int[] {512, 256}) {
                for (int threads : new int[] {1, 2}) {
                    for (int batch : builtIn ? new int[] {1, 2, 5, 11, 37} : new int[] {1, 11, 37}) {
                        for (int n : cols) {
                            // 48 rows: whole 16-row groups, so Q4_0/Q8_0/Q4_K/Q6_K at 512 bits run packed;
                            // batch 11 runs the packed pair tile and its remainder; batch 37 (≥ two
                            // token vectors at every width) runs the token-lane tile, 37 rows its last
                            // partial eight-row tile
                            for (int rows : batch == 11 ? new int[] {48} : batch == 37 ? new int[] {37} : new int[] {1, 37, 48}) {
                                String name = type.name() + " @" + bits + " t" + threads + " batch " + batch + " "
                                        + rows + "x" + n;
                                tests.add(DynamicTest.dynamicTest(name,
                                        () -> checkMatmul(type, bits, threads, batch, rows, n)));
                            }
                        }
                    }
                }
            }
        }
        return tests.stream();
    }

    private static MemorySegment quantized(QuantType type, float[] source, int rows, int cols) {
        long rowBytes = type.byteSize(cols);
        MemorySegment all = Arena.ofAuto().allocate(rowBytes * rows + 7 + 64, 64);
        MemorySegment data = all.asSlice(7, rowBytes * rows); // odd start, as an unaligned file slice
        for (int r = 0; r < rows; r++) {
            type.quantize(source, r * cols, cols, data, r * rowBytes);
        }
        return data;
    }

    private static void checkMatmul(QuantType type, int bits, int threads, int batch, int rows, int cols) {
        Random rnd = new Random(bits * 7919L + threads * 31L + batch * 17L + rows * 3L + cols);
        float[] source = gaussian(rnd, rows * cols, 0.5f);
        MemorySegment data = quantized(type, source, rows, cols);
        long rowBytes = type.byteSize(cols);
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            type.dequantize(data, r * rowBytes, w, r * cols, cols);
        }
        float[] x = gaussian(rnd, batch * cols, 1.5f);
        Weights weights = new Weights("test." + type.name(), type, data, rows, cols);
        float[] out = new float[batch * rows + 1];
        out[batch * rows] = 7f;
        try (VectorCompute c = new VectorCompute(threads, Lanes.of(bits))) {
            c.matmul(weights, x, out, batch);
        }
        assertEquals(7f, out[batch * rows], "wrote past the output");
        float[] scalar = new float[batch * rows];
        try (Compute s = new ScalarBackend().open(1)) {
            s.matmul(weights, x, scalar, batch);
        }
        DotKernel<?> own = type.kernel();
        for (int b = 0; b < batch; b++) {
            double xn = norm(x, b * cols, cols);
            float[] viaPlugin = pluginDots(own, data, rowBytes, rows, x, b * cols, cols);
            for (int r = 0; r < rows; r++) {
                double ref = 0;
                for (int i = 0; i < cols; i++) {
                    ref += (double) w[r * cols + i] * x[b * cols + i];
                }
                double scale = norm(w, r * cols, cols) * xn + 1e-12;
                float got = out[b * rows + r];
                String at = type.name() + " row " + r + " token " + b + ": got " + got;
                if (FLOAT_ACTIVATIONS.contains(type.ggmlType())) {
                    // float activations: float rounding only (the plugin's Q8_K rounding is looser)
                    assertTrue(Math.abs(got - ref) <= 2e-6 * scale, at + ", exact " + ref);
                    assertTrue(Math.abs(got - viaPlugin[r]) <= 1e-2 * scale, at + ", plugin kernel " + viaPlugin[r]);
                } else {
                    // same activation rounding as the plugin's kernel: equal within float rounding
                    assertTrue(Math.abs(got - viaPlugin[r]) <= 2e-6 * scale, at + ", plugin kernel " + viaPlugin[r]);
                    assertTrue(Math.abs(got - ref) <= 1e-2 * scale, at + ", exact " + ref);
                }
                assertTrue(Math.abs(got - scalar[b * rows + r]) <= 1e-2 * scale,
                        at + ", scalar backend " + scalar[b * rows + r]);
            }
        }
    }

    private static <A> float[] pluginDots(DotKernel<A> k, MemorySegment data, long rowBytes, int rows, float[] x,
                                          int xOffset, int cols) {
        A prepared = k.prepare(x, xOffset, cols);
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = k.dot(data, r * rowBytes, prepared, cols);
        }
        return out;
    }

    /** A third-party type (int8 values, one per byte, on an id the backend has no kernel for). */
    private static class ThirdPartyInt8 implements QuantType {
        int vectorKernelCalls;
        final boolean offersVectorKernel;

        ThirdPartyInt8(boolean offersVectorKernel) {
            this.offersVectorKernel = offersVectorKernel;
        }

        @Override
        public GgmlType ggmlType() {
            return GgmlType.I8;
        }

        @Override
        public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
            for (int i = 0; i < count; i++) {
                dst[dstOffset + i] = src.get(ValueLayout.JAVA_BYTE, offset + i);
            }
        }

        @Override
        public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
            for (int i = 0; i < count; i++) {
                dst.set(ValueLayout.JAVA_BYTE, offset + i, (byte) Math.max(-128, Math.min(127, Math.round(src[srcOffset + i]))));
            }
        }

        @Override
        public DotKernel<?> kernel() {
            return new DotKernel<float[]>() {
                @Override
                public float[] prepare(float[] x, int offset, int count) {
                    return java.util.Arrays.copyOfRange(x, offset, offset + count);
                }

                @Override
                public float dot(MemorySegment weights, long offset, float[] x, int count) {
                    float s = 0;
                    for (int i = 0; i < count; i++) {
                        s += weights.get(ValueLayout.JAVA_BYTE, offset + i) * x[i];
                    }
                    return s;
                }
            };
        }

        @Override
        public java.util.Optional<DotKernel<?>> vectorKernel() {
            if (!offersVectorKernel) {
                return java.util.Optional.empty();
            }
            vectorKernelCalls++;
            return java.util.Optional.of(kernel());
        }
    }

    @Test
    void thirdPartyTypesRunOnTheirOwnKernels() {
        for (boolean vector : new boolean[] {false, true}) {
            ThirdPartyInt8 type = new ThirdPartyInt8(vector);
            int rows = 9;
            int cols = 13;
            Random rnd = new Random(3);
            float[] source = gaussian(rnd, rows * cols, 20f);
            MemorySegment data = quantized(type, source, rows, cols);
            float[] x = gaussian(rnd, 2 * cols, 1f);
            float[] out = new float[2 * rows];
            try (VectorCompute c = new VectorCompute(2)) {
                assertFalse(c.runsBuiltIn(type));
                c.matmul(new Weights("third", type, data, rows, cols), x, out, 2);
            }
            for (int b = 0; b < 2; b++) {
                for (int r = 0; r < rows; r++) {
                    double ref = 0;
                    for (int i = 0; i < cols; i++) {
                        ref += data.get(ValueLayout.JAVA_BYTE, (long) r * cols + i) * (double) x[b * cols + i];
                    }
                    assertEquals(ref, out[b * rows + r], 1e-3);
                }
            }
            assertEquals(vector ? 1 : 0, type.vectorKernelCalls, "vectorKernel() consulted");
        }
    }

    @Test
    void aPluginThatReusesAnIdForAnotherLayoutIsNotRunByTheBuiltInKernel() {
        QuantType impostor = new ThirdPartyInt8(false) {
            @Override
            public GgmlType ggmlType() {
                return GgmlType.F16; // one byte per value declared as F16: sizes differ, decode differs
            }

            @Override
            public long byteSize(long elements) {
                return 2 * elements;
            }
        };
        try (VectorCompute c = new VectorCompute(1)) {
            assertFalse(c.runsBuiltIn(impostor));
        }
    }

    /** Q5_K, Q3_K, Q4_1, Q5_0, Q5_1, IQ4_XS and IQ4_NL have no row kernel here but a packed layout: used at 512 bits for whole 16-row groups only. */
    @TestFactory
    Stream<DynamicTest> pluginTypesWithAPackedLayoutRunPackedWhereItApplies() {
        return plugins().stream().filter(t -> PACKED_PLUGIN_TYPES.contains(t.ggmlType()))
                .map(type -> DynamicTest.dynamicTest(type.name(), () -> {
                    Random rnd = new Random(11);
                    float[] x = gaussian(rnd, 2 * 512, 1f);
                    for (int bits : WIDTHS) {
                        for (int rows : new int[] {48, 37}) {
                            MemorySegment data = quantized(type, gaussian(rnd, rows * 512, 0.5f), rows, 512);
                            try (VectorCompute c = new VectorCompute(2, Lanes.of(bits))) {
                                assertFalse(c.runsBuiltIn(type), "no row kernel for " + type.name());
                                c.matmul(new Weights("t", type, data, rows, 512), x, new float[2 * rows], 2);
                                assertEquals(bits == 512 && rows % 16 == 0 ? 1 : 0, c.packedMatrices(),
                                        type.name() + " @" + bits + ", " + rows + " rows: packed copies");
                            }
                        }
                    }
                }));
    }

    /** A plugin that reuses a packed plugin type's id for another meaning of the same bytes runs on its own kernel. */
    @TestFactory
    Stream<DynamicTest> aPluginThatReusesAPackedTypesIdForAnotherLayoutIsNotPacked() {
        return plugins().stream().filter(t -> PACKED_PLUGIN_TYPES.contains(t.ggmlType()))
                .map(real -> DynamicTest.dynamicTest(real.name(), () -> {
                    QuantType impostor = new QuantType() {
                        @Override
                        public GgmlType ggmlType() {
                            return real.ggmlType();
                        }

                        @Override
                        public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
                            real.dequantize(src, offset, dst, dstOffset, count);
                            for (int i = 0; i < count; i++) {
                                dst[dstOffset + i] = -dst[dstOffset + i]; // same bytes, another meaning
                            }
                        }

                        @Override
                        public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
                            real.quantize(src, srcOffset, count, dst, offset);
                        }

                        @Override
                        public DotKernel<?> kernel() {
                            return real.kernel();
                        }
                    };
                    Random rnd = new Random(12);
                    MemorySegment data = quantized(impostor, gaussian(rnd, 48 * 256, 0.5f), 48, 256);
                    try (VectorCompute c = new VectorCompute(1, Lanes.of(512))) {
                        c.matmul(new Weights("impostor", impostor, data, 48, 256), gaussian(rnd, 256, 1f), new float[48], 1);
                        assertEquals(0, c.packedMatrices());
                    }
                }));
    }

    private static float[] gaussian(Random rnd, int n, float std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian() * std;
        }
        return a;
    }

    private static double norm(float[] a, int offset, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) a[offset + i] * a[offset + i];
        }
        return Math.sqrt(s);
    }
}
