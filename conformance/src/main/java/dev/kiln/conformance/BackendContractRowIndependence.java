package dev.kiln.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

/**
 * The checks behind continuous batching (see {@link Compute}'s row independence): a row's result
 * must be bit for bit the same alone as in a batch of rows of other sequences. Each check runs
 * the operation on a batch and on each row alone and compares the bits.
 */
final class BackendContractRowIndependence {

    private BackendContractRowIndependence() {
    }

    /** {@link Compute#matvecEach} gives each vector exactly what {@code matmul} gives it alone. */
    static void checkMatvecEach(Compute c, QuantType type, int rows, int cols, int count) {
        Random rnd = new Random(rows * 131L + cols + count);
        long rowBytes = type.byteSize(cols);
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * rows, 64);
        float[] source = gaussian(rnd, rows * cols, 1f);
        for (int r = 0; r < rows; r++) {
            type.quantize(source, r * cols, cols, data, r * rowBytes);
        }
        Weights w = new Weights("contract.each." + type.name(), type, data, rows, cols);
        float[] x = gaussian(rnd, count * cols, 2f);
        float[] together = new float[count * rows];
        c.matvecEach(w, x, together, count);
        for (int b = 0; b < count; b++) {
            float[] alone = new float[rows];
            c.matmul(w, Arrays.copyOfRange(x, b * cols, (b + 1) * cols), alone, 1);
            assertArrayEquals(alone, Arrays.copyOfRange(together, b * rows, (b + 1) * rows),
                    "matvecEach " + type.name() + " " + rows + "x" + cols + ": vector " + b + " of " + count
                            + " differs from the same vector multiplied alone");
        }
    }

    /** rmsNorm, siluMul, add and rope give a row the same bits in a batch as alone. */
    static void checkElementwise(Compute c, int n, int batch) {
        Random rnd = new Random(n * 7L + batch);
        float[] x = gaussian(rnd, n * batch, 3f);
        float[] weight = gaussian(rnd, n, 1f);
        float[] normed = new float[n * batch];
        c.rmsNorm(x, weight, 1e-5f, normed, n, batch);
        float[] gate = gaussian(rnd, n * batch, 4f);
        float[] up = gaussian(rnd, n * batch, 1f);
        float[] gated = gate.clone();
        c.siluMul(gated, up, n * batch);
        float[] sum = x.clone();
        c.add(sum, up, n * batch);
        for (int b = 0; b < batch; b++) {
            float[] row = Arrays.copyOfRange(x, b * n, (b + 1) * n);
            float[] alone = new float[n];
            c.rmsNorm(row, weight, 1e-5f, alone, n, 1);
            assertArrayEquals(alone, Arrays.copyOfRange(normed, b * n, (b + 1) * n), "rmsNorm row " + b + " of " + batch);
            float[] g = Arrays.copyOfRange(gate, b * n, (b + 1) * n);
            c.siluMul(g, Arrays.copyOfRange(up, b * n, (b + 1) * n), n);
            assertArrayEquals(g, Arrays.copyOfRange(gated, b * n, (b + 1) * n), "siluMul row " + b + " of " + batch);
            float[] s = row.clone();
            c.add(s, Arrays.copyOfRange(up, b * n, (b + 1) * n), n);
            assertArrayEquals(s, Arrays.copyOfRange(sum, b * n, (b + 1) * n), "add row " + b + " of " + batch);
        }
    }

    /** rope (or ropeNeox) of row {@code b} at position {@code firstPos + b} equals that of the row alone at that position. */
    static void checkRope(Compute c, boolean neox) {
        int heads = 3;
        int headDim = neox ? 36 : 18;
        int pairs = neox ? 18 : 9;
        int batch = 4;
        int firstPos = 7;
        Random rnd = new Random(neox ? 98 : 99);
        RopeTable table = BackendContract.randomRopeTable(rnd, pairs, 20);
        int dim = heads * headDim;
        float[] x = gaussian(rnd, batch * dim, 1f);
        float[] batched = x.clone();
        rotate(c, neox, batched, batch, firstPos, heads, headDim, table);
        for (int b = 0; b < batch; b++) {
            float[] row = Arrays.copyOfRange(x, b * dim, (b + 1) * dim);
            rotate(c, neox, row, 1, firstPos + b, heads, headDim, table);
            assertArrayEquals(row, Arrays.copyOfRange(batched, b * dim, (b + 1) * dim),
                    (neox ? "ropeNeox" : "rope") + " row " + b + " of " + batch);
        }
    }

    private static void rotate(Compute c, boolean neox, float[] x, int batch, int firstPos, int heads, int headDim,
                               RopeTable table) {
        if (neox) {
            c.ropeNeox(x, batch, firstPos, heads, headDim, table);
        } else {
            c.rope(x, batch, firstPos, heads, headDim, table);
        }
    }

    private static float[] gaussian(Random rnd, int n, float std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian() * std;
        }
        return a;
    }
}
