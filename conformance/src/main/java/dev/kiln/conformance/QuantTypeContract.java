package dev.kiln.conformance;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantGoldenFiles.FloatTensor;
import dev.kiln.conformance.QuantGoldenFiles.QuantTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * The contract every {@link QuantType} plugin passes. Plugin test suites subclass this and
 * return their type from {@link #subject()}; {@code kiln check-plugin} calls {@link #checks}.
 *
 * <p>Golden data: for a type {@code T} the kit looks up {@code t.gguf} (the tensors of
 * {@code source.f32.gguf} as ggml's reference quantizer writes them) and {@code t.dequant.f32.gguf}
 * (that file dequantized by gguf-py), by lowercase type name, among its own resources
 * (copied from Kiln's {@code fixtures/quant}) or in a directory the plugin's test supplies
 * ({@link #goldenDirectory()}). Without them the golden checks fail with "no golden data for T".
 * The files are read with whatever GGUF {@link dev.kiln.api.format.ModelFormat} plugin is on the
 * path, so a plugin's tests need a GGUF reader (Kiln's format-gguf) as a test dependency.
 *
 * <p>Quantization must be byte-identical to ggml's reference quantizer wherever golden data
 * exists, and the dot products must be the ones llama.cpp's CPU backend computes: ggml-cpu rounds
 * the activations to the type's {@code vec_dot_type} (Q8_0, Q8_1, Q8_K, F16, BF16 or none) before
 * it multiplies, and {@code t.dot.txt} holds, per golden row, the exact value of that product
 * (made with numpy by {@code tools/make_quant_kit_golden.py}); a kernel that rounds the
 * activations otherwise, or not at all, is off by far more than float rounding.
 *
 * <p>A dequantized golden file may hold only the first rows of each tensor (the kit keeps row
 * subsets for the later types to stay small); the checks compare the rows it has.
 */
public abstract class QuantTypeContract {
    static final String CONTRACT = "QuantType";
    /** Dot products may round activations (to Q8 blocks, F16, ...): allowed error relative to ‖w‖·‖x‖. */
    static final double DOT_TOLERANCE = 1e-2;
    /** Dequantization: allowed error relative to the largest magnitude in the row (float rounding). */
    static final double DEQUANT_TOLERANCE = 1e-6;
    static final double RMSE_MARGIN = 1.01;
    static final int THREADS = 8;
    /** Largest magnitude the "huge row" check uses: near the f16 limit, which most block scales are stored in. */
    static final float HUGE = 60000f;

    /** The plugin under test. */
    protected abstract QuantType subject();

    /**
     * A directory holding the plugin's own golden files ({@code t.gguf}, {@code t.dequant.f32.gguf},
     * {@code t.dot.txt}, optionally {@code source.f32.gguf}), consulted before the kit's resources.
     * Empty by default.
     */
    protected Optional<Path> goldenDirectory() {
        return Optional.empty();
    }

    /**
     * Real models quantized by llama-quantize (no importance matrix), to check the quantizer on
     * real weights too: every tensor of the subject's type in each {@link LlamaQuantizeOutput#quantized}
     * file must be byte for byte what quantizing the same tensor of its float source gives.
     * Empty by default (the check is then not made).
     */
    protected List<LlamaQuantizeOutput> llamaQuantizeOutputs() {
        return List.of();
    }

    /**
     * A file llama-quantize wrote and the F32/F16/BF16 model it was made from.
     *
     * @param source the float model
     * @param quantized llama-quantize's output for it
     */
    public record LlamaQuantizeOutput(Path source, Path quantized) {
        public LlamaQuantizeOutput {
            java.util.Objects.requireNonNull(source, "source is null");
            java.util.Objects.requireNonNull(quantized, "quantized is null");
        }
    }

    /**
     * The contract's checks as dynamic tests: those of {@link #checks(QuantType, Path)}, and, since
     * here the plugin's own module runs them, that the type is provided as a {@code QuantType}
     * service, and the {@link #llamaQuantizeOutputs()} check when there are any.
     */
    @TestFactory
    public Stream<DynamicTest> quantTypeContract() {
        QuantType type = subject();
        List<Check> all = new ArrayList<>(checks(type, goldenDirectory().orElse(null)));
        all.add(check("provided as a QuantType service (module-info provides, META-INF/services)",
                () -> QuantTypeContractModels.providedAsService(type)));
        List<LlamaQuantizeOutput> outputs = llamaQuantizeOutputs();
        if (!outputs.isEmpty()) {
            all.add(check("quantize byte-identical to llama-quantize on " + outputs.size() + " real model file(s)",
                    () -> QuantTypeContractModels.matchesLlamaQuantize(type, outputs)));
        }
        return all.stream().map(Check::toDynamicTest);
    }

    /** Every check of the contract for {@code type}, with the kit's own golden data. */
    public static List<Check> checks(QuantType type) {
        return checks(type, null);
    }

    /** Every check for {@code type}; golden files are looked up in {@code goldenDirectory} first (may be null). */
    public static List<Check> checks(QuantType type, Path goldenDirectory) {
        GgmlType g;
        try {
            g = type.ggmlType();
        } catch (RuntimeException e) {
            return List.of(check("ggmlType() names the implemented type", () -> {
                throw new AssertionError("ggmlType() threw " + e, e);
            }));
        }
        if (g == null) {
            return List.of(check("ggmlType() names the implemented type", () -> {
                throw new AssertionError("ggmlType() returned null");
            }));
        }
        List<Check> checks = new ArrayList<>();
        checks.add(check("block geometry matches GgmlType." + g, () -> geometry(type)));
        checks.add(check("dequantize matches golden " + QuantGoldenFiles.dequantizedName(g),
                () -> dequantizeMatchesGolden(type, goldenDirectory)));
        checks.add(check("quantize byte-identical to ggml (" + QuantGoldenFiles.quantizedName(g) + ")",
                () -> quantizeByteIdentical(type, goldenDirectory)));
        checks.add(check("quantize round-trip RMSE within 1% of ggml",
                () -> quantizeRmseWithinGgml(type, goldenDirectory)));
        checks.add(check("kernel() dot product matches Σ dequant·x within 1e-2·‖w‖·‖x‖",
                () -> dotMatchesDequant(type, type.kernel(), "kernel()", goldenDirectory)));
        checks.add(check("kernel() dot product matches llama.cpp's (" + QuantGoldenFiles.dotName(g) + ")",
                () -> QuantTypeContractDotGolden.matchesGgml(type, type.kernel(), "kernel()", goldenDirectory)));
        Optional<DotKernel<?>> vector = vectorKernel(type);
        vector.ifPresent(k -> checks.add(check("vectorKernel() dot product matches Σ dequant·x within 1e-2·‖w‖·‖x‖",
                () -> dotMatchesDequant(type, k, "vectorKernel()", goldenDirectory))));
        vector.ifPresent(k -> checks.add(check("vectorKernel() dot product matches llama.cpp's (" + QuantGoldenFiles.dotName(g) + ")",
                () -> QuantTypeContractDotGolden.matchesGgml(type, k, "vectorKernel()", goldenDirectory))));
        checks.add(check("zero row quantizes to exact zeros", () -> QuantTypeContractRows.zeroRow(type)));
        checks.add(check("denormal row stays finite and tiny", () -> QuantTypeContractRows.denormalRow(type)));
        checks.add(check("constant row reconstructs within 10%", () -> QuantTypeContractRows.constantRow(type)));
        checks.add(check("huge row (|x| up to " + (int) HUGE + ") stays finite", () -> QuantTypeContractRows.hugeRow(type)));
        checks.add(check("concurrent use from " + THREADS + " threads gives identical results",
                () -> concurrentUse(type, goldenDirectory)));
        checks.add(check("out-of-range offsets and lengths rejected with QuantException",
                () -> QuantTypeContractBounds.rejectsOutOfRange(type, type.kernel(), "kernel()")));
        vector.ifPresent(k -> checks.add(check("vectorKernel(): out-of-range offsets and lengths rejected with QuantException",
                () -> QuantTypeContractBounds.rejectsOutOfRange(type, k, "vectorKernel()"))));
        return List.copyOf(checks);
    }

    private static Check check(String name, Executable body) {
        return new Check(CONTRACT, name, body);
    }

    private static Optional<DotKernel<?>> vectorKernel(QuantType type) {
        try {
            Optional<DotKernel<?>> k = type.vectorKernel();
            return k != null ? k : Optional.of(new BrokenKernel(new NullPointerException("vectorKernel() returned null")));
        } catch (RuntimeException | LinkageError e) {
            // a vector kernel that cannot even be created is reported by a failing check
            return Optional.of(new BrokenKernel(e));
        }
    }

    // ---- block geometry -------------------------------------------------------------------

    private static void geometry(QuantType t) {
        GgmlType g = t.ggmlType();
        if (g == null) {
            throw new AssertionError("ggmlType() is null");
        }
        List<String> problems = new ArrayList<>();
        if (!g.name().equals(t.name())) {
            problems.add("name() " + t.name() + " != " + g.name());
        }
        if (t.blockSize() != g.blockSize()) {
            problems.add("blockSize() " + t.blockSize() + " != " + g.blockSize());
        }
        if (t.blockBytes() != g.blockBytes()) {
            problems.add("blockBytes() " + t.blockBytes() + " != " + g.blockBytes());
        }
        long seven = 7L * g.blockSize();
        if (t.byteSize(seven) != 7L * g.blockBytes()) {
            problems.add("byteSize(" + seven + ") " + t.byteSize(seven) + " != " + 7L * g.blockBytes());
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(t.name() + ": " + String.join("; ", problems));
        }
    }

    // ---- golden data ----------------------------------------------------------------------

    static Path requireGolden(String fileName, GgmlType g, Path dir) {
        return QuantGoldenFiles.find(fileName, dir).orElseThrow(() -> new AssertionError("no golden data for " + g
                + " (" + fileName + " is neither among the kit's resources"
                + (dir == null ? "" : " nor in " + dir) + ")"));
    }

    static List<QuantTensor> goldenQuantized(QuantType t, Path dir) {
        GgmlType g = t.ggmlType();
        List<QuantTensor> tensors = QuantGoldenFiles.quants(requireGolden(QuantGoldenFiles.quantizedName(g), g, dir));
        for (QuantTensor q : tensors) {
            if (q.type() != g) {
                throw new AssertionError(QuantGoldenFiles.quantizedName(g) + ": tensor " + q.name() + " is " + q.type()
                        + ", not " + g);
            }
        }
        return tensors;
    }

    private static List<FloatTensor> goldenDequantized(QuantType t, Path dir) {
        GgmlType g = t.ggmlType();
        return QuantGoldenFiles.floats(requireGolden(QuantGoldenFiles.dequantizedName(g), g, dir));
    }

    static List<FloatTensor> source(Path dir) {
        return QuantGoldenFiles.floats(QuantGoldenFiles.find(QuantGoldenFiles.SOURCE, dir)
                .orElseThrow(() -> new AssertionError("the kit's " + QuantGoldenFiles.SOURCE + " is missing")));
    }

    private static FloatTensor named(List<FloatTensor> tensors, String name, String file) {
        return tensors.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(file + " has no tensor " + name));
    }

    private static QuantTensor namedQuant(List<QuantTensor> tensors, String name, String file) {
        return tensors.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(file + " has no tensor " + name));
    }

    private static void dequantizeMatchesGolden(QuantType t, Path dir) {
        List<QuantTensor> quant = goldenQuantized(t, dir);
        List<FloatTensor> expected = goldenDequantized(t, dir);
        String file = QuantGoldenFiles.dequantizedName(t.ggmlType());
        for (QuantTensor q : quant) {
            FloatTensor e = named(expected, q.name(), file);
            if (e.columns() != q.columns() || e.rows() > q.rows() || e.rows() == 0) {
                throw new AssertionError(q.name() + ": " + e.rows() + "x" + e.columns() + " in " + file + " is not the first rows of "
                        + q.rows() + "x" + q.columns() + " in " + QuantGoldenFiles.quantizedName(t.ggmlType()));
            }
            int rows = e.rows();
            float[] row = new float[q.columns()];
            for (int r = 0; r < rows; r++) {
                Arrays.fill(row, Float.NaN);
                t.dequantize(q.data(), r * q.rowBytes(), row, 0, q.columns());
                compareRow(q.name(), r, row, e.values(), r * e.columns());
            }
            // the compared rows in one call, into the middle of a larger array
            float[] all = new float[rows * q.columns() + 3];
            t.dequantize(q.data(), 0, all, 3, rows * q.columns());
            for (int r = 0; r < rows; r++) {
                compareRow(q.name() + " (whole-tensor call)", r, Arrays.copyOfRange(all, 3 + r * q.columns(),
                        3 + (r + 1) * q.columns()), e.values(), r * e.columns());
            }
        }
    }

    /** Throws on the first element of the row beyond tolerance. */
    private static void compareRow(String tensor, int r, float[] got, float[] expected, int from) {
        double rowMax = 0;
        for (int i = 0; i < got.length; i++) {
            rowMax = Math.max(rowMax, Math.abs(expected[from + i]));
        }
        double tol = DEQUANT_TOLERANCE * rowMax;
        for (int i = 0; i < got.length; i++) {
            float e = expected[from + i];
            double err = Math.abs((double) got[i] - e);
            if (!(err <= tol) && !(got[i] == e)) {
                throw new AssertionError(tensor + " row " + r + " element " + i + ": dequantized " + got[i]
                        + ", golden " + e + " (tolerance " + tol + ")");
            }
        }
    }

    /** Quantizes each source tensor row by row into an off-heap segment of the tensor's size. */
    static MemorySegment quantizeTensor(QuantType t, FloatTensor src, Arena arena) {
        long rowBytes = t.byteSize(src.columns());
        MemorySegment out = arena.allocate(Math.max(1, rowBytes * src.rows()), 64).asSlice(0, rowBytes * src.rows());
        for (int r = 0; r < src.rows(); r++) {
            t.quantize(src.values(), r * src.columns(), src.columns(), out, r * rowBytes);
        }
        return out;
    }

    private static void quantizeByteIdentical(QuantType t, Path dir) {
        List<QuantTensor> golden = goldenQuantized(t, dir);
        String file = QuantGoldenFiles.quantizedName(t.ggmlType());
        List<String> differences = new ArrayList<>();
        long blocksDiffering = 0;
        long blocks = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (FloatTensor src : source(dir)) {
                QuantTensor g = namedQuant(golden, src.name(), file);
                MemorySegment ours = quantizeTensor(t, src, arena);
                if (ours.byteSize() != g.data().byteSize()) {
                    throw new AssertionError(src.name() + ": " + ours.byteSize() + " bytes, ggml has " + g.data().byteSize());
                }
                int bb = t.blockBytes();
                long nb = ours.byteSize() / bb;
                blocks += nb;
                long tensorDiffs = 0;
                for (long b = 0; b < nb; b++) {
                    long m = ours.asSlice(b * bb, bb).mismatch(g.data().asSlice(b * bb, bb));
                    if (m >= 0) {
                        if (tensorDiffs == 0) {
                            long byteAt = b * bb + m;
                            differences.add(src.name() + " (first at row " + (b * bb / g.rowBytes()) + ", block "
                                    + b + ", byte " + byteAt + ": ours 0x"
                                    + Integer.toHexString(Byte.toUnsignedInt(ours.get(java.lang.foreign.ValueLayout.JAVA_BYTE, byteAt)))
                                    + ", ggml 0x"
                                    + Integer.toHexString(Byte.toUnsignedInt(g.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, byteAt)))
                                    + ")");
                        }
                        tensorDiffs++;
                    }
                }
                blocksDiffering += tensorDiffs;
            }
        }
        if (blocksDiffering > 0) {
            throw new AssertionError(t.name() + ": " + blocksDiffering + " of " + blocks + " blocks differ from ggml's "
                    + file + ": " + String.join("; ", differences));
        }
    }

    private static void quantizeRmseWithinGgml(QuantType t, Path dir) {
        List<FloatTensor> golden = goldenDequantized(t, dir);
        String file = QuantGoldenFiles.dequantizedName(t.ggmlType());
        List<String> failures = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (FloatTensor src : source(dir)) {
                FloatTensor g = named(golden, src.name(), file);
                FloatTensor compared = src.firstRows(g.rows());
                MemorySegment q = quantizeTensor(t, compared, arena);
                float[] back = new float[compared.values().length];
                t.dequantize(q, 0, back, 0, back.length);
                double ours = rmse(back, compared.values());
                double ggml = rmse(g.values(), compared.values());
                if (!(ours <= ggml * RMSE_MARGIN)) {
                    failures.add(String.format(java.util.Locale.ROOT, "%s: RMSE %.6g vs ggml %.6g (%+.2f%%)",
                            src.name(), ours, ggml, ggml == 0 ? Double.POSITIVE_INFINITY : (ours / ggml - 1) * 100));
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(t.name() + ": round-trip error above ggml's by more than 1%: "
                    + String.join("; ", failures));
        }
    }

    static double rmse(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s / a.length);
    }

    // ---- dot products ---------------------------------------------------------------------

    /** The weights the dot checks use: the golden blocks if present, else the plugin's own quantization of the source. */
    private static List<QuantTensor> dotWeights(QuantType t, Path dir, Arena arena) {
        Optional<Path> golden = QuantGoldenFiles.find(QuantGoldenFiles.quantizedName(t.ggmlType()), dir);
        if (golden.isPresent()) {
            return goldenQuantized(t, dir);
        }
        List<QuantTensor> own = new ArrayList<>();
        for (FloatTensor src : source(dir)) {
            own.add(new QuantTensor(src.name(), t.ggmlType(), src.rows(), src.columns(), t.byteSize(src.columns()),
                    quantizeTensor(t, src, arena)));
        }
        return own;
    }

    private static void dotMatchesDequant(QuantType t, DotKernel<?> kernel, String which, Path dir) {
        if (kernel == null) {
            throw new AssertionError(which + " is null");
        }
        try (Arena arena = Arena.ofConfined()) {
            Random random = new Random(42);
            for (QuantTensor w : dotWeights(t, dir, arena)) {
                float[][] deq = new float[w.rows()][w.columns()];
                for (int r = 0; r < w.rows(); r++) {
                    t.dequantize(w.data(), r * w.rowBytes(), deq[r], 0, w.columns());
                }
                // a random vector, and one along the rows' own direction (so a kernel returning 0 fails)
                float[] noise = new float[w.columns()];
                float[] along = new float[w.columns()];
                for (int i = 0; i < w.columns(); i++) {
                    noise[i] = (float) random.nextGaussian();
                    along[i] = deq[random.nextInt(w.rows())][i] + 0.05f * (float) random.nextGaussian();
                }
                for (float[] x : List.of(noise, along)) {
                    int pad = 5 * t.blockSize();
                    float[] padded = new float[x.length + 2 * pad];
                    System.arraycopy(x, 0, padded, pad, x.length);
                    float[] got = dotRows(kernel, w, padded, pad);
                    float[] gotAtOnce = dotRowsAtOnce(kernel, w, x);
                    double xNorm = norm(x);
                    for (int r = 0; r < w.rows(); r++) {
                        double expected = 0;
                        for (int i = 0; i < x.length; i++) {
                            expected += (double) deq[r][i] * x[i];
                        }
                        double tol = DOT_TOLERANCE * norm(deq[r]) * xNorm;
                        for (float g : new float[] {got[r], gotAtOnce[r]}) {
                            if (!(Math.abs(g - expected) <= tol)) {
                                throw new AssertionError(which + " " + w.name() + " row " + r + ": dot " + g
                                        + ", Σ dequant·x " + expected + " (tolerance " + tol + ")");
                            }
                        }
                    }
                }
            }
        }
    }

    /** One prepare(), then dot() per row. */
    static <A> float[] dotRows(DotKernel<A> kernel, QuantTensor w, float[] x, int xOffset) {
        A prepared = kernel.prepare(x, xOffset, w.columns());
        float[] out = new float[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            out[r] = kernel.dot(w.data(), r * w.rowBytes(), prepared, w.columns());
        }
        return out;
    }

    /** One prepare(), then dotRows() over all rows into the middle of an output array. */
    static <A> float[] dotRowsAtOnce(DotKernel<A> kernel, QuantTensor w, float[] x) {
        A prepared = kernel.prepare(x, 0, w.columns());
        float[] out = new float[w.rows() + 2];
        kernel.dotRows(w.data(), 0, w.rowBytes(), w.rows(), prepared, w.columns(), out, 1);
        return Arrays.copyOfRange(out, 1, 1 + w.rows());
    }

    static double norm(float[] v) {
        double s = 0;
        for (float f : v) {
            s += (double) f * f;
        }
        return Math.sqrt(s);
    }

    // ---- concurrency ----------------------------------------------------------------------

    /** Dequantize, quantize and dot over the source data; every result (and every stored byte) in one array. */
    private static float[] workload(QuantType t, Path dir) {
        List<FloatTensor> src = source(dir);
        List<float[]> parts = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (FloatTensor s : src.subList(0, Math.min(3, src.size()))) {
                MemorySegment q = quantizeTensor(t, s, arena);
                long rowBytes = t.byteSize(s.columns());
                QuantTensor w = new QuantTensor(s.name(), t.ggmlType(), s.rows(), s.columns(), rowBytes, q);
                float[] back = new float[s.values().length];
                t.dequantize(q, 0, back, 0, back.length);
                parts.add(back);
                parts.add(dotRows(t.kernel(), w, s.row(0), 0));
                byte[] bytes = q.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                float[] asFloats = new float[bytes.length];
                for (int i = 0; i < bytes.length; i++) {
                    asFloats[i] = bytes[i];
                }
                parts.add(asFloats);
            }
        }
        float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static void concurrentUse(QuantType t, Path dir) throws Exception {
        float[] expected = workload(t, dir);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    float[] last = null;
                    for (int rep = 0; rep < 2; rep++) {
                        last = workload(t, dir);
                    }
                    return last;
                }));
            }
            start.countDown();
            for (int i = 0; i < results.size(); i++) {
                float[] got = results.get(i).get(120, TimeUnit.SECONDS);
                if (!Arrays.equals(expected, got)) {
                    int at = Arrays.mismatch(expected, got);
                    throw new AssertionError("thread " + i + " got a different result at index " + at
                            + " than a single thread (" + (at < got.length ? got[at] : "missing") + " vs "
                            + (at < expected.length ? expected[at] : "missing") + ")");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Stands in for a vector kernel whose creation threw, so the failure shows up as a failed check. */
    private record BrokenKernel(Throwable cause) implements DotKernel<Object> {
        @Override
        public Object prepare(float[] x, int offset, int count) {
            throw new AssertionError("vectorKernel() threw " + cause, cause);
        }

        @Override
        public float dot(MemorySegment weights, long offset, Object x, int count) {
            throw new AssertionError("vectorKernel() threw " + cause, cause);
        }
    }
}
