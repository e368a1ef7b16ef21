package dev.kiln.conformance;

import static dev.kiln.conformance.BackendContract.check;
import static dev.kiln.conformance.BackendContract.expectClose;
import static dev.kiln.conformance.BackendContract.gaussian;
import static dev.kiln.conformance.BackendContract.half;
import static dev.kiln.conformance.BackendContract.withCompute;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.api.backend.AttentionParameters;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The operations architectures beyond Llama need (Qwen, Gemma, Phi-3): NEOX RoPE, the GeGLU gate,
 * bias rows, scaling, soft-capping, and attention with soft-capped scores and a sliding window,
 * each against a double-precision reference and for row independence (a row gets the same bits
 * in a batch as alone), like {@link BackendContract}'s checks of the Llama operations.
 */
final class BackendContractArchitectureOps {

    private BackendContractArchitectureOps() {
    }

    static List<Check> checks(Backend backend, int threads, String on) {
        List<Check> checks = new ArrayList<>();
        checks.add(check("ropeNeox rotates the halves (i, i + pairs) from the table, leaves the rest" + on,
                () -> withCompute(backend, threads, c -> BackendContract.checkRope(c, true))));
        checks.add(check("geluMul follows ggml's half-precision GELU table, incl. |x| >= 10" + on,
                () -> withCompute(backend, threads, c -> {
                    checkGeluMul(c, 1001);
                    checkGeluMul(c, 70_001);
                })));
        checks.add(check("addRows adds the bias to each row" + on,
                () -> withCompute(backend, threads, c -> checkAddRows(c, 37, 5))));
        checks.add(check("scale and softCap (at an offset)" + on,
                () -> withCompute(backend, threads, c -> {
                    checkScale(c, 13);
                    checkScale(c, 70_001);
                    checkSoftCap(c, 1001, 30f);
                    checkSoftCap(c, 70_001, 50f);
                })));
        checks.add(check("attention with a sliding window of 3, batch 4 at position 5, GQA" + on,
                () -> withCompute(backend, threads, c -> BackendContract.checkAttention(c, 6, 2, 8, 4, 5,
                        new AttentionParameters(0.3f, 0f, 3)))));
        checks.add(check("attention with soft-capped scores (cap 2), scale 1, window wider than the context" + on,
                () -> withCompute(backend, threads, c -> BackendContract.checkAttention(c, 4, 4, 16, 3, 9,
                        new AttentionParameters(1f, 2f, 100)))));
        checks.add(check("attention soft cap and window 1 at a decode step (only the position itself)" + on,
                () -> withCompute(backend, threads, c -> BackendContract.checkAttention(c, 2, 1, 12, 1, 30,
                        new AttentionParameters(0.25f, 5f, 1)))));
        checks.add(check("ropeNeox, geluMul, addRows, scale, softCap and windowed attention give a row the same bits in a batch as alone" + on,
                () -> withCompute(backend, threads, c -> {
                    checkRowIndependence(c, 172, 5);
                    checkRowIndependence(c, 5632, 9);
                    BackendContractRowIndependence.checkRope(c, true);
                    checkAttentionRows(c);
                })));
        return checks;
    }

    // ---- GeGLU

    private static double geluExact(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static void checkGeluMul(Compute c, int n) {
        Random rnd = new Random(n + 3);
        float[] gate = gaussian(rnd, n, 4f);
        float[] up = gaussian(rnd, n, 2f);
        gate[0] = -10f;
        gate[1] = 10f;
        gate[2] = 0f;
        gate[3] = -30f;
        gate[4] = 25f;
        gate[5] = -9.99f;
        gate[6] = 9.99f;
        gate[7] = 1e-6f;
        float[] g0 = gate.clone();
        c.geluMul(gate, up, n);
        for (int i = 0; i < n; i++) {
            double x = g0[i];
            String at = "geluMul [" + i + "] (gate " + x + ")";
            if (x <= -10) {
                assertEquals(0f, gate[i], 0f, at + ": ggml gives 0 at or below -10");
            } else if (x >= 10) {
                assertEquals(g0[i] * up[i], gate[i], at + ": ggml passes the gate through at or above 10");
            } else {
                // the gate rounded to half precision, GELU of it rounded to half: the reference may sit
                // on the other side of a half-precision rounding step than the backend's float, and
                // ggml's float formula loses up to half a float step of 1 + tanh (times x/2) for x << 0
                double h = half(g0[i]);
                double g = geluExact(h);
                double ref = half((float) g) * (double) up[i];
                double tol = (BackendContract.halfUlp(Math.abs(g)) + 1e-6 * Math.abs(g) + Math.abs(h) * 0x1p-24)
                        * Math.abs(up[i]) + 1e-7;
                if (!(Math.abs(gate[i] - ref) <= tol)) {
                    throw new AssertionError(at + ": got " + gate[i] + ", reference " + ref + " (tolerance " + tol + ")");
                }
            }
        }
    }

    // ---- bias, scale, soft cap

    private static void checkAddRows(Compute c, int n, int batch) {
        Random rnd = new Random(n * 3L + batch);
        float[] x = gaussian(rnd, n * batch + 2, 3f);
        float[] bias = gaussian(rnd, n, 1f);
        float[] in = x.clone();
        c.addRows(x, bias, n, batch);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                expectClose("addRows row " + b + " [" + i + "]", (double) in[b * n + i] + bias[i], x[b * n + i], 1e-6, 0);
            }
        }
        assertEquals(in[n * batch], x[n * batch], "addRows changed a value past the last row");
    }

    private static void checkScale(Compute c, int n) {
        Random rnd = new Random(n);
        float[] x = gaussian(rnd, n + 1, 3f);
        float[] in = x.clone();
        c.scale(x, n, 0.0625f * 3);
        for (int i = 0; i < n; i++) {
            expectClose("scale [" + i + "]", in[i] * (0.0625 * 3), x[i], 1e-6, 0);
        }
        assertEquals(in[n], x[n], "scale changed x[n]");
    }

    private static void checkSoftCap(Compute c, int n, float cap) {
        Random rnd = new Random(n + (long) cap);
        int offset = 3;
        float[] x = gaussian(rnd, offset + n + 2, 40f);
        x[offset] = 1e6f;
        x[offset + 1] = -1e6f;
        x[offset + 2] = 0f;
        float[] in = x.clone();
        c.softCap(x, offset, n, cap);
        for (int i = 0; i < x.length; i++) {
            if (i < offset || i >= offset + n) {
                assertEquals(in[i], x[i], "softCap changed x[" + i + "] outside its range");
            } else {
                expectClose("softCap [" + i + "] (cap " + cap + ", x " + in[i] + ")", cap * Math.tanh(in[i] / (double) cap),
                        x[i], 2e-6, 1e-6);
            }
        }
    }

    // ---- row independence

    private static void checkRowIndependence(Compute c, int n, int batch) {
        Random rnd = new Random(n * 11L + batch);
        float[] gate = gaussian(rnd, n * batch, 4f);
        float[] up = gaussian(rnd, n * batch, 1f);
        float[] gated = gate.clone();
        c.geluMul(gated, up, n * batch);
        float[] bias = gaussian(rnd, n, 1f);
        float[] biased = gate.clone();
        c.addRows(biased, bias, n, batch);
        float[] scaled = gate.clone();
        c.scale(scaled, n * batch, 0.7f);
        float[] capped = gate.clone();
        c.softCap(capped, 0, n * batch, 3f);
        for (int b = 0; b < batch; b++) {
            float[] row = Arrays.copyOfRange(gate, b * n, (b + 1) * n);
            float[] rowUp = Arrays.copyOfRange(up, b * n, (b + 1) * n);
            float[] g = row.clone();
            c.geluMul(g, rowUp, n);
            assertArrayEquals(g, Arrays.copyOfRange(gated, b * n, (b + 1) * n), "geluMul row " + b + " of " + batch);
            float[] a = row.clone();
            c.addRows(a, bias, n, 1);
            assertArrayEquals(a, Arrays.copyOfRange(biased, b * n, (b + 1) * n), "addRows row " + b + " of " + batch);
            float[] s = row.clone();
            c.scale(s, n, 0.7f);
            assertArrayEquals(s, Arrays.copyOfRange(scaled, b * n, (b + 1) * n), "scale row " + b + " of " + batch);
            // the row at its place in a larger array, as a model's logits buffer holds it
            float[] k = capped.clone();
            System.arraycopy(row, 0, k, b * n, n);
            c.softCap(k, b * n, n, 3f);
            assertArrayEquals(Arrays.copyOfRange(capped, b * n, (b + 1) * n), Arrays.copyOfRange(k, b * n, (b + 1) * n),
                    "softCap row " + b + " of " + batch);
        }
    }

    /** A query row of a prompt batch gets what it gets alone at its position (the cache holding the positions before it). */
    private static void checkAttentionRows(Compute c) {
        int heads = 4;
        int kvHeads = 2;
        int headDim = 24;
        int batch = 5;
        int firstPos = 6;
        Random rnd = new Random(77);
        int kvLen = kvHeads * headDim;
        int positions = firstPos + batch;
        float[] k = half(gaussian(rnd, positions * kvLen, 1f));
        float[] v = half(gaussian(rnd, positions * kvLen, 1f));
        float[] q = gaussian(rnd, batch * heads * headDim, 1.5f);
        AttentionParameters p = new AttentionParameters(0.2f, 4f, 4);
        int qLen = heads * headDim;
        float[] together = new float[batch * qLen];
        c.attention(q, k, v, together, batch, firstPos, heads, kvHeads, headDim, p);
        for (int b = 0; b < batch; b++) {
            float[] alone = new float[qLen];
            c.attention(Arrays.copyOfRange(q, b * qLen, (b + 1) * qLen), k, v, alone, 1, firstPos + b, heads, kvHeads,
                    headDim, p);
            assertArrayEquals(alone, Arrays.copyOfRange(together, b * qLen, (b + 1) * qLen),
                    "attention row " + b + " of " + batch + " (window 4, soft cap 4)");
        }
    }
}
