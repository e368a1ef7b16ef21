package dev.kiln.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.AttentionParameters;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The compute-backend contract: every {@link Compute} operation against a double-precision
 * reference computed here, with odd lengths, batches larger than one, and 1 and 3 threads.
 * Matrix products are checked with two kit-internal types (F32 and an int8 block type with
 * Q8_0's geometry) and with every quant-type plugin given or found on the path (against
 * Σ dequantize·x, with a tolerance that allows a kernel to round its activations as ggml does).
 *
 * <p>A backend's test suite subclasses this and returns its backend from {@link #subject()}.
 */
public abstract class BackendContract {
    private static final String CONTRACT = "Backend";
    private static final int[] THREADS = {1, 3};

    /** The backend under test. */
    protected abstract Backend subject();

    /** Quant types to run matrix products with besides the kit's own; by default those found on the path. */
    protected Collection<? extends QuantType> quantTypes() {
        return discoveredQuantTypes();
    }

    @TestFactory
    Stream<DynamicTest> backendContract() {
        return checks(subject(), quantTypes()).stream().map(Check::toDynamicTest);
    }

    /** The checks for {@code backend}, with matrix products for the quant-type plugins found by ServiceLoader. */
    public static List<Check> checks(Backend backend) {
        return checks(backend, discoveredQuantTypes());
    }

    /** The checks for {@code backend}, with matrix products also run for each of {@code quantTypes}. */
    public static List<Check> checks(Backend backend, Collection<? extends QuantType> quantTypes) {
        List<Check> checks = new ArrayList<>();
        checks.add(check("name is non-empty and open() reports it", () -> {
            assertFalse(backend.name() == null || backend.name().isBlank(), "backend name is empty");
            for (int t : THREADS) {
                try (Compute c = backend.open(t)) {
                    assertEquals(backend.name(), c.backendName(), "Compute.backendName()");
                    assertEquals(t, c.threads(), "Compute.threads()");
                }
            }
        }));
        for (int t : THREADS) {
            String on = " (" + t + (t == 1 ? " thread)" : " threads)");
            List<QuantType> kitTypes = List.of(new BackendContractF32Type(), new BackendContractBlockType());
            for (QuantType type : kitTypes) {
                checks.add(check("matmul " + type.name() + " batch 1" + on,
                        () -> withCompute(backend, t, c -> checkMatmul(c, type, 37, 96, 1, 1e-5))));
                checks.add(check("matmul " + type.name() + " batch 5" + on,
                        () -> withCompute(backend, t, c -> checkMatmul(c, type, 67, 96, 5, 1e-5))));
            }
            checks.add(check("matmul kit-F32 odd columns" + on,
                    () -> withCompute(backend, t, c -> checkMatmul(c, kitTypes.get(0), 19, 33, 3, 1e-5))));
            for (QuantType type : quantTypes) {
                int cols = 2 * lcm(type.blockSize(), 32);
                checks.add(check("matmul " + type.name() + " (" + type.getClass().getName() + ") batch 3" + on,
                        () -> withCompute(backend, t, c -> checkMatmul(c, type, 35, cols, 3, 1e-2))));
                // whole groups of 16 rows: backends that interleave rows (the vector backend packs
                // Q4_0/Q4_K/Q6_K so) take their other path here, for one token and for a batch
                checks.add(check("matmul " + type.name() + " (" + type.getClass().getName() + ") 48 rows, batch 1 and 9" + on,
                        () -> withCompute(backend, t, c -> {
                            checkMatmul(c, type, 48, cols, 1, 1e-2);
                            checkMatmul(c, type, 48, cols, 9, 1e-2);
                        })));
            }
            for (QuantType type : quantTypes) {
                int cols = 2 * lcm(type.blockSize(), 32);
                checks.add(check("matvecEach " + type.name() + " (" + type.getClass().getName()
                        + ") gives each vector what matmul gives it alone, 35 and 48 rows" + on,
                        () -> withCompute(backend, t, c -> {
                            BackendContractRowIndependence.checkMatvecEach(c, type, 35, cols, 5);
                            BackendContractRowIndependence.checkMatvecEach(c, type, 48, cols, 3);
                        })));
            }
            checks.add(check("matvecEach kit-F32 odd shape" + on, () -> withCompute(backend, t,
                    c -> BackendContractRowIndependence.checkMatvecEach(c, kitTypes.get(0), 19, 33, 4))));
            checks.add(check("rmsNorm, siluMul and add give a row the same bits in a batch as alone" + on,
                    () -> withCompute(backend, t, c -> {
                        BackendContractRowIndependence.checkElementwise(c, 172, 5);
                        BackendContractRowIndependence.checkElementwise(c, 5632, 9);
                    })));
            checks.add(check("rope gives a row the same bits in a batch as alone" + on,
                    () -> withCompute(backend, t, c -> BackendContractRowIndependence.checkRope(c, false))));
            checks.add(check("rmsNorm odd length, batch 3, rows of very different scale" + on,
                    () -> withCompute(backend, t, BackendContract::checkRmsNorm)));
            checks.add(check("softmax at an offset, odd length, huge values" + on,
                    () -> withCompute(backend, t, BackendContract::checkSoftmax)));
            checks.add(check("rope rotates adjacent pairs from the table, leaves the rest" + on,
                    () -> withCompute(backend, t, c -> checkRope(c, false))));
            checks.add(check("attention causal GQA, batch 3 at position 4, unused cache ignored" + on,
                    () -> withCompute(backend, t, c -> checkAttention(c, 6, 2, 7, 3, 4))));
            checks.add(check("attention one query at position 0 returns v" + on,
                    () -> withCompute(backend, t, c -> checkAttention(c, 3, 3, 5, 1, 0))));
            checks.add(check("attention rounds q and probabilities to F16" + on,
                    () -> withCompute(backend, t, BackendContract::checkAttentionRounding)));
            checks.add(check("attention decode step at position 40, MHA" + on,
                    () -> withCompute(backend, t, c -> checkAttention(c, 4, 4, 16, 1, 40))));
            checks.add(check("siluMul odd length incl. extreme gates" + on,
                    () -> withCompute(backend, t, c -> checkSiluMul(c, 1001))));
            checks.add(check("siluMul long vector" + on,
                    () -> withCompute(backend, t, c -> checkSiluMul(c, 70_001))));
            checks.addAll(BackendContractArchitectureOps.checks(backend, t, on));
            checks.add(check("add" + on, () -> withCompute(backend, t, c -> {
                checkAdd(c, 13);
                checkAdd(c, 70_001);
            })));
        }
        return checks;
    }

    /** Quant-type plugins visible to ServiceLoader (none if this module may not look them up). */
    public static List<QuantType> discoveredQuantTypes() {
        List<QuantType> types = new ArrayList<>();
        try {
            ServiceLoader.load(QuantType.class).stream().forEach(p -> types.add(p.get()));
        } catch (ServiceConfigurationError e) {
            return List.of();
        }
        return types;
    }

    static Check check(String name, org.junit.jupiter.api.function.Executable body) {
        return new Check(CONTRACT, name, body);
    }

    static void withCompute(Backend backend, int threads, Consumer<Compute> body) {
        try (Compute c = backend.open(threads)) {
            body.accept(c);
        }
    }

    // ---- matmul

    private static void checkMatmul(Compute c, QuantType type, int rows, int cols, int batch, double relTolerance) {
        Random rnd = new Random(rows * 31L + cols * 7L + batch);
        float[] source = gaussian(rnd, rows * cols, 1.0f);
        long rowBytes = type.byteSize(cols);
        long lead = 64; // weights start inside a larger segment, as slices of a mapped file do
        MemorySegment all = Arena.ofAuto().allocate(lead + rowBytes * rows + 64, 64);
        MemorySegment data = all.asSlice(lead, rowBytes * rows);
        for (int r = 0; r < rows; r++) {
            type.quantize(source, r * cols, cols, data, r * rowBytes);
        }
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            type.dequantize(data, r * rowBytes, w, r * cols, cols);
        }
        float[] x = gaussian(rnd, batch * cols, 2.0f);
        Weights weights = new Weights("contract." + type.name(), type, data, rows, cols);
        // twice with the same weights: a backend may keep state per matrix (the vector backend keeps
        // packed copies), and a later call must be as right as the first
        for (int call = 1; call <= 2; call++) {
            float[] out = new float[batch * rows + 3];
            out[batch * rows] = 42f; // beyond the result: must stay untouched
            c.matmul(weights, x, out, batch);
            assertEquals(42f, out[batch * rows], "matmul wrote past batch * rows");
            checkProducts(type, w, x, out, rows, cols, batch, relTolerance, call);
        }
    }

    private static void checkProducts(QuantType type, float[] w, float[] x, float[] out, int rows, int cols, int batch,
                                      double relTolerance, int call) {
        for (int b = 0; b < batch; b++) {
            double xNorm = norm(x, b * cols, cols);
            for (int r = 0; r < rows; r++) {
                double ref = 0;
                for (int i = 0; i < cols; i++) {
                    ref += (double) w[r * cols + i] * x[b * cols + i];
                }
                double tol = relTolerance * norm(w, r * cols, cols) * xNorm + 1e-6;
                double got = out[b * rows + r];
                if (!(Math.abs(got - ref) <= tol)) {
                    throw new AssertionError("matmul " + type.name() + " " + rows + "x" + cols + " batch " + batch
                            + ", call " + call + ": out[b=" + b + "][row " + r + "] = " + got + ", reference " + ref + " (tolerance " + tol + ")");
                }
            }
        }
    }

    // ---- rmsNorm

    private static void checkRmsNorm(Compute c) {
        int n = 67;
        int batch = 3;
        float eps = 1e-5f;
        Random rnd = new Random(67);
        float[] x = new float[n * batch];
        float[] scales = {1e-3f, 1f, 300f};
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                x[b * n + i] = (float) rnd.nextGaussian() * scales[b];
            }
        }
        float[] weight = gaussian(rnd, n, 1f);
        float[] in = x.clone();
        float[] out = new float[n * batch];
        c.rmsNorm(x, weight, eps, out, n, batch);
        assertTrue(java.util.Arrays.equals(in, x), "rmsNorm changed its input");
        for (int b = 0; b < batch; b++) {
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[b * n + i] * x[b * n + i];
            }
            double scale = 1 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) {
                double ref = x[b * n + i] * scale * weight[i];
                expectClose("rmsNorm row " + b + " [" + i + "]", ref, out[b * n + i], 1e-5, 1e-6);
            }
        }
    }

    // ---- softmax

    private static void checkSoftmax(Compute c) {
        Random rnd = new Random(5);
        int offset = 3;
        int n = 37;
        float[] x = new float[offset + n + 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * 4;
        }
        x[offset + 5] = 1000f;
        x[offset + 6] = 999f;
        x[offset + 7] = -1000f;
        float[] in = x.clone();
        c.softmax(x, offset, n);
        for (int i = 0; i < x.length; i++) {
            if (i < offset || i >= offset + n) {
                assertEquals(in[i], x[i], "softmax changed x[" + i + "] outside its range");
            }
        }
        double[] ref = softmaxReference(in, offset, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            expectClose("softmax [" + i + "]", ref[i], x[offset + i], 1e-5, 1e-7);
            sum += x[offset + i];
        }
        expectClose("softmax sum", 1.0, sum, 1e-5, 0);

        float[] one = {7f, -3f};
        c.softmax(one, 1, 1);
        assertEquals(1f, one[1], 1e-7, "softmax of one value");
        assertEquals(7f, one[0], "softmax changed a value before its range");

        float[] plain = gaussian(rnd, 1001, 3f);
        float[] plainIn = plain.clone();
        c.softmax(plain, 0, plain.length);
        double[] plainRef = softmaxReference(plainIn, 0, plain.length);
        for (int i = 0; i < plain.length; i++) {
            expectClose("softmax(1001) [" + i + "]", plainRef[i], plain[i], 1e-5, 1e-8);
        }
    }

    private static double[] softmaxReference(float[] x, int offset, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        double[] e = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            e[i] = Math.exp(x[offset + i] - max);
            sum += e[i];
        }
        for (int i = 0; i < n; i++) {
            e[i] /= sum;
        }
        return e;
    }

    // ---- rope

    /** A table of random angles for {@code positions} positions of {@code pairs} pairs. */
    static RopeTable randomRopeTable(Random rnd, int pairs, int positions) {
        float[] cos = new float[positions * pairs];
        float[] sin = new float[positions * pairs];
        for (int i = 0; i < cos.length; i++) {
            double angle = rnd.nextDouble() * 2 * Math.PI;
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
        return new RopeTable(cos, sin, pairs, positions);
    }

    /**
     * rope (pair i = values 2i, 2i+1) or ropeNeox (pair i = values i, i + pairs) against double
     * math, with a partial rotation: the values past the rotated ones stay as they are.
     */
    static void checkRope(Compute c, boolean neox) {
        int batch = 3;
        int heads = 3;
        int headDim = neox ? 22 : 10;
        int pairs = neox ? 9 : 4;
        int firstPos = 5;
        Random rnd = new Random(neox ? 22 : 10);
        RopeTable table = randomRopeTable(rnd, pairs, 12);
        float[] x = gaussian(rnd, batch * heads * headDim, 1.5f);
        float[] in = x.clone();
        if (neox) {
            c.ropeNeox(x, batch, firstPos, heads, headDim, table);
        } else {
            c.rope(x, batch, firstPos, heads, headDim, table);
        }
        String op = neox ? "ropeNeox" : "rope";
        for (int b = 0; b < batch; b++) {
            int pos = firstPos + b;
            for (int h = 0; h < heads; h++) {
                int base = (b * heads + h) * headDim;
                for (int i = 0; i < pairs; i++) {
                    double cs = table.cos()[pos * pairs + i];
                    double sn = table.sin()[pos * pairs + i];
                    int first = base + (neox ? i : 2 * i);
                    int second = first + (neox ? pairs : 1);
                    double x0 = in[first];
                    double x1 = in[second];
                    String at = op + " b=" + b + " head " + h + " pair " + i;
                    expectClose(at + " (first value)", x0 * cs - x1 * sn, x[first], 1e-6, 1e-6);
                    expectClose(at + " (second value)", x0 * sn + x1 * cs, x[second], 1e-6, 1e-6);
                }
                for (int d = 2 * pairs; d < headDim; d++) {
                    assertEquals(in[base + d], x[base + d], op + " changed value " + d + " beyond the rotated pairs");
                }
            }
        }
    }

    // ---- attention

    private static void checkAttention(Compute c, int heads, int kvHeads, int headDim, int batch, int firstPos) {
        checkAttention(c, heads, kvHeads, headDim, batch, firstPos, null);
    }

    /**
     * Attention against a double-precision reference; {@code parameters} null means the plain form
     * with {@code 1/√headDim} (and then that form is the one called).
     */
    static void checkAttention(Compute c, int heads, int kvHeads, int headDim, int batch, int firstPos,
                               AttentionParameters parameters) {
        Random rnd = new Random(heads * 100L + kvHeads * 10L + headDim + firstPos);
        int positions = firstPos + batch;
        int capacity = positions + 3;
        int kvLen = kvHeads * headDim;
        float[] k = half(gaussian(rnd, capacity * kvLen, 1f)); // caches hold F16 values (see Compute.attention)
        float[] v = half(gaussian(rnd, capacity * kvLen, 1f));
        for (int i = positions * kvLen; i < capacity * kvLen; i++) {
            k[i] = Float.NaN; // positions past the last query are not part of the attention
            v[i] = Float.NaN;
        }
        if (parameters != null) {
            for (int i = 0; i < parameters.firstVisible(firstPos) * kvLen; i++) {
                k[i] = Float.NaN; // positions before every query's window are not part of the attention either
                v[i] = Float.NaN;
            }
        }
        float[] q = gaussian(rnd, batch * heads * headDim, 1.5f);
        float[] out = new float[batch * heads * headDim];
        float scale = parameters == null ? (float) (1 / Math.sqrt(headDim)) : parameters.scale();
        double cap = parameters == null ? 0 : parameters.softCap();
        int window = parameters == null ? 0 : parameters.window();
        if (parameters == null) {
            c.attention(q, k, v, out, batch, firstPos, heads, kvHeads, headDim, scale);
        } else {
            c.attention(q, k, v, out, batch, firstPos, heads, kvHeads, headDim, parameters);
        }
        int group = heads / kvHeads;
        for (int b = 0; b < batch; b++) {
            int last = firstPos + b;
            int first = window == 0 ? 0 : Math.max(0, last - window + 1);
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                double[] s = new double[last + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = first; t <= last; t++) {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += (double) half(q[(b * heads + h) * headDim + d]) * k[t * kvLen + kvh * headDim + d];
                    }
                    if (cap > 0) {
                        dot = cap * Math.tanh(dot / cap);
                    }
                    s[t] = dot * scale;
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = first; t <= last; t++) {
                    s[t] = Math.exp(s[t] - max);
                    sum += s[t];
                }
                for (int d = 0; d < headDim; d++) {
                    double ref = 0;
                    double weight = 0;
                    double flip = 0;
                    for (int t = first; t <= last; t++) {
                        double p = s[t] / sum;
                        double vt = v[t * kvLen + kvh * headDim + d];
                        ref += half((float) p) * vt;
                        weight += p * Math.abs(vt);
                        flip = Math.max(flip, halfUlp(p) * Math.abs(vt));
                    }
                    // float vs double may put one probability on the other side of an F16 rounding step
                    double tol = 1e-5 * weight + flip + 1e-6;
                    double got = out[(b * heads + h) * headDim + d];
                    if (!(Math.abs(got - ref) <= tol)) {
                        throw new AssertionError("attention b=" + b + " head " + h + " [" + d + "]: got " + got
                                + ", reference " + ref + " (tolerance " + tol + ")");
                    }
                }
            }
        }
    }

    /**
     * Two positions, one head of two values, built so that the F16 rounding of q and of the
     * probabilities each moves the result far beyond float noise: q = (1000.3, -1000) is
     * (1000.5, -1000) in F16, so the scores are (0, 0.5), not (0, 0.3).
     */
    private static void checkAttentionRounding(Compute c) {
        float[] q = {1000.3f, -1000f};
        float[] k = {0f, 0f, 1f, 1f};
        float[] v = {1f, 0f, -1f, 0.5f};
        float[] out = new float[2];
        c.attention(q, k, v, out, 1, 1, 1, 1, 2, 1f);
        double s1 = half(q[0]) + (double) half(q[1]);
        double p0 = 1 / (1 + Math.exp(s1));
        double p1 = 1 - p0;
        double[] ref = {half((float) p0) - (double) half((float) p1), 0.5 * half((float) p1)};
        for (int d = 0; d < 2; d++) {
            if (!(Math.abs(out[d] - ref[d]) <= 1e-6)) {
                throw new AssertionError("attention [" + d + "] = " + out[d] + ", expected " + ref[d]
                        + ": q and the softmax probabilities must be rounded to F16 as Compute.attention specifies");
            }
        }
    }

    static float half(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    static float[] half(float[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] = half(a[i]);
        }
        return a;
    }

    /** The spacing of F16 values around {@code p} (0 <= p <= 1). */
    static double halfUlp(double p) {
        if (p < 0x1p-14) {
            return 0x1p-24;
        }
        return Math.ulp((float) p) * 0x1p13; // float has 13 more fraction bits than F16
    }

    // ---- elementwise

    private static void checkSiluMul(Compute c, int n) {
        Random rnd = new Random(n);
        float[] gate = gaussian(rnd, n, 4f);
        float[] up = gaussian(rnd, n, 2f);
        gate[0] = -100f;
        gate[1] = 100f;
        gate[2] = 0f;
        gate[3] = -30f;
        float[] g0 = gate.clone();
        c.siluMul(gate, up, n);
        for (int i = 0; i < n; i++) {
            double g = g0[i];
            double ref = g / (1 + Math.exp(-g)) * up[i];
            expectClose("siluMul [" + i + "] (gate " + g + ")", ref, gate[i], 1e-5, 1e-7);
        }
    }

    private static void checkAdd(Compute c, int n) {
        Random rnd = new Random(n);
        float[] acc = gaussian(rnd, n + 1, 3f);
        float[] x = gaussian(rnd, n + 1, 3f);
        float[] a0 = acc.clone();
        c.add(acc, x, n);
        for (int i = 0; i < n; i++) {
            expectClose("add [" + i + "]", (double) a0[i] + x[i], acc[i], 1e-6, 0);
        }
        assertEquals(a0[n], acc[n], "add changed acc[n]");
    }

    // ---- helpers

    static void expectClose(String what, double expected, double actual, double rel, double abs) {
        double tol = rel * Math.abs(expected) + abs;
        if (!(Math.abs(actual - expected) <= tol)) {
            throw new AssertionError(what + ": got " + actual + ", reference " + expected + " (tolerance " + tol + ")");
        }
    }

    static float[] gaussian(Random rnd, int n, float std) {
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

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }
}
