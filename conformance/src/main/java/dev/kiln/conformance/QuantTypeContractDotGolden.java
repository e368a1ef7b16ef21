package dev.kiln.conformance;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantGoldenFiles.QuantTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The quant-type contract's check against llama.cpp's own dot products: for every row of the
 * golden blocks ({@code t.gguf}) and two activation rows, {@code t.dot.txt} holds the value
 * ggml-cpu computes after rounding the activations to the type's {@code vec_dot_type}, and the
 * sum of the magnitudes of its terms. A kernel must come within float rounding of it.
 */
final class QuantTypeContractDotGolden {
    /**
     * Allowed |kernel − ggml| as a fraction of Σ|terms|: room for float accumulation in any order
     * (about 1e-6 for 512 terms), while rounding the activations to another form than ggml's
     * (or not at all) moves a dot product by about 1e-3 of Σ|terms|.
     */
    static final double TOLERANCE = 1e-5;

    private static final Map<Path, DotGolden> CACHE = new ConcurrentHashMap<>();


    private QuantTypeContractDotGolden() {
    }

    /** One golden row: the expected dot product and Σ|terms| for each activation row. */
    record Expected(double[] dots, double[] sumAbs) {
    }

    /** The activation rows and, per tensor, the expected values of its rows in order. */
    record DotGolden(List<float[]> activations, Map<String, List<Expected>> rows) {
    }

    static void matchesGgml(QuantType t, DotKernel<?> kernel, String which, Path dir) {
        if (kernel == null) {
            throw new AssertionError(which + " is null");
        }
        GgmlType g = t.ggmlType();
        String file = QuantGoldenFiles.dotName(g);
        DotGolden golden = read(QuantTypeContract.requireGolden(file, g, dir));
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (QuantTensor w : QuantTypeContract.goldenQuantized(t, dir)) {
            List<Expected> expected = golden.rows().get(w.name());
            if (expected == null || expected.size() != w.rows()) {
                throw new AssertionError(file + " has " + (expected == null ? "no" : expected.size())
                        + " expected rows for tensor " + w.name() + " of " + w.rows() + " rows");
            }
            for (int k = 0; k < golden.activations().size(); k++) {
                float[] x = golden.activations().get(k);
                if (x.length != w.columns()) {
                    throw new AssertionError(file + ": activation row x" + k + " has " + x.length + " values, tensor "
                            + w.name() + " " + w.columns() + " columns");
                }
                float[] single = QuantTypeContract.dotRows(kernel, w, x, 0);
                float[] atOnce = QuantTypeContract.dotRowsAtOnce(kernel, w, x);
                for (int r = 0; r < w.rows(); r++) {
                    compared++;
                    Expected e = expected.get(r);
                    String where = w.name() + " row " + r + " x" + k;
                    if (Float.floatToIntBits(single[r]) != Float.floatToIntBits(atOnce[r])) {
                        failures.add(where + ": dot " + single[r] + " but dotRows " + atOnce[r]);
                        continue;
                    }
                    double err = Math.abs(single[r] - e.dots()[k]);
                    if (!(err <= TOLERANCE * e.sumAbs()[k])) {
                        failures.add(String.format(Locale.ROOT, "%s: %s, llama.cpp %s (off by %.3g of Σ|terms| %s)",
                                where, single[r], e.dots()[k], err / e.sumAbs()[k], e.sumAbs()[k]));
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(t.name() + " " + which + ": " + failures.size() + " of " + compared
                    + " dot products differ from llama.cpp's (" + file + ") by more than " + TOLERANCE
                    + " of Σ|terms|, e.g. " + String.join("; ", failures.subList(0, Math.min(3, failures.size()))));
        }
    }

    static DotGolden read(Path file) {
        return CACHE.computeIfAbsent(file, QuantTypeContractDotGolden::parse);
    }

    /** Lines: '# comment', 'xK hex…' (float bits), 'tensor row dot0 sumAbs0 dot1 sumAbs1 …'. */
    private static DotGolden parse(Path file) {
        List<float[]> xs = new ArrayList<>();
        Map<String, List<Expected>> rows = new LinkedHashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f[0].isEmpty() || f[0].startsWith("#")) {
                continue;
            }
            if (f[0].matches("x\\d+")) {
                float[] x = new float[f.length - 1];
                for (int i = 1; i < f.length; i++) {
                    x[i - 1] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[i], 16));
                }
                xs.add(x);
                continue;
            }
            int n = (f.length - 2) / 2;
            if (f.length < 4 || f.length % 2 != 0 || n != xs.size()) {
                throw new AssertionError(file.getFileName() + ": malformed line '" + line + "'");
            }
            List<Expected> tensor = rows.computeIfAbsent(f[0], k -> new ArrayList<>());
            if (Integer.parseInt(f[1]) != tensor.size()) {
                throw new AssertionError(file.getFileName() + ": rows of " + f[0] + " out of order at '" + line + "'");
            }
            double[] dots = new double[n];
            double[] sumAbs = new double[n];
            for (int k = 0; k < n; k++) {
                dots[k] = Double.parseDouble(f[2 + 2 * k]);
                sumAbs[k] = Double.parseDouble(f[3 + 2 * k]);
            }
            tensor.add(new Expected(dots, sumAbs));
        }
        return new DotGolden(List.copyOf(xs), rows);
    }
}
