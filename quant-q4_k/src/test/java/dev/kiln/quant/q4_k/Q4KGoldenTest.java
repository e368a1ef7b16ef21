package dev.kiln.quant.q4_k;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Q4_K against ggml: quantization of {@code quant/source.f32.gguf} byte for byte against ggml's
 * {@code quant/q4_k.gguf}, dequantization against gguf-py's {@code q4_k.dequant.f32.gguf} and
 * against ggml's {@code to_float} output for a real llama-quantize tensor (tiny-kquant).
 */
class Q4KGoldenTest {
    private final Q4K q4k = new Q4K();

    @Test
    void quantizationIsByteIdenticalToGgml() {
        try (ModelFile source = Fixtures.open("quant/source.f32.gguf");
             ModelFile golden = Fixtures.open("quant/q4_k.gguf");
             Arena arena = Arena.ofConfined()) {
            StringBuilder report = new StringBuilder();
            int differing = 0;
            for (TensorInfo src : source.tensors()) {
                TensorInfo gold = Fixtures.tensor(golden, src.name());
                assertEquals(GgmlType.Q4_K, gold.type());
                float[] x = Fixtures.floats(source, src);
                int blocks = x.length / 256;
                MemorySegment mine = arena.allocate(blocks * 144L);
                q4k.quantize(x, 0, x.length, mine, 0);
                MemorySegment theirs = golden.data(gold);
                int diff = 0;
                for (int b = 0; b < blocks; b++) {
                    if (mine.asSlice(b * 144L, 144).mismatch(theirs.asSlice(b * 144L, 144)) >= 0) {
                        diff++;
                    }
                }
                differing += diff;
                float[] ours = new float[x.length];
                float[] ggml = new float[x.length];
                q4k.dequantize(mine, 0, ours, 0, x.length);
                q4k.dequantize(theirs, 0, ggml, 0, x.length);
                report.append(String.format("%s: %d/%d blocks differ; relative RMSE ours %.6f, ggml %.6f%n",
                        src.name(), diff, blocks, relativeRmse(x, ours), relativeRmse(x, ggml)));
            }
            System.out.print(report);
            assertEquals(0, differing, report.toString());
        }
    }

    @Test
    void dequantizationEqualsGgufPy() {
        try (ModelFile golden = Fixtures.open("quant/q4_k.gguf");
             ModelFile expected = Fixtures.open("quant/q4_k.dequant.f32.gguf")) {
            for (TensorInfo t : golden.tensors()) {
                float[] want = Fixtures.floats(expected, Fixtures.tensor(expected, t.name()));
                float[] got = new float[want.length];
                q4k.dequantize(golden.data(t), 0, got, 0, got.length);
                assertArrayEquals(want, got, t.name());
            }
        }
    }

    @Test
    void dequantizationEqualsGgmlOnLlamaQuantizeOutput() throws Exception {
        String name = "blk.0.ffn_gate.weight";
        try (ModelFile model = Fixtures.open("models/tiny-kquant/tiny-kquant-Q4_K_M.gguf")) {
            TensorInfo t = Fixtures.tensor(model, name);
            assertEquals(GgmlType.Q4_K, t.type());
            byte[] raw = Files.readAllBytes(Fixtures.path("models/tiny-kquant/dequant/tiny-kquant-Q4_K_M." + name + ".f32"));
            float[] want = MemorySegment.ofArray(raw).toArray(
                    ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            assertEquals(t.elementCount(), want.length);
            float[] got = new float[want.length];
            // row by row, as a matmul reads it
            int cols = (int) t.columns();
            long rowBytes = q4k.byteSize(cols);
            for (int r = 0; r < t.rows(); r++) {
                q4k.dequantize(model.data(t), r * rowBytes, got, r * cols, cols);
            }
            assertArrayEquals(want, got);
        }
    }

    /**
     * llama-quantize (no importance matrix) wrote tiny-kquant-Q4_K_M's Q4_K tensors from the F16
     * model with the same reference quantizer: converting the F16 weights gives the same bytes.
     */
    @Test
    void quantizationMatchesLlamaQuantizeOnARealModel() {
        try (ModelFile f16 = Fixtures.open("models/tiny-kquant/tiny-kquant-F16.gguf");
             ModelFile quantized = Fixtures.open("models/tiny-kquant/tiny-kquant-Q4_K_M.gguf");
             Arena arena = Arena.ofConfined()) {
            int tensors = 0;
            for (TensorInfo t : quantized.tensors()) {
                if (t.type() != GgmlType.Q4_K) {
                    continue;
                }
                TensorInfo src = Fixtures.tensor(f16, t.name());
                assertEquals(GgmlType.F16, src.type());
                MemorySegment half = f16.data(src);
                float[] x = new float[(int) src.elementCount()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = Float.float16ToFloat(half.getAtIndex(Fixtures.F16, i));
                }
                MemorySegment mine = arena.allocate(q4k.byteSize(x.length));
                q4k.quantize(x, 0, x.length, mine, 0);
                assertEquals(-1, mine.mismatch(quantized.data(t)), t.name() + ": first differing byte");
                tensors++;
            }
            assertEquals(13, tensors);
        }
    }

    static double relativeRmse(float[] x, float[] y) {
        double e = 0;
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - y[i];
            e += d * d;
            s += (double) x[i] * x[i];
        }
        return s == 0 ? Math.sqrt(e) : Math.sqrt(e / s);
    }
}
