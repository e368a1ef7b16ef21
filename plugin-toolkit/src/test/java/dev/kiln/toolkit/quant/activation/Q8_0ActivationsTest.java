package dev.kiln.toolkit.quant.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Activation rounding against fixtures/quant/q8_activations.txt, made with numpy by
 * tools/make_q8_activation_golden.py after ggml-cpu's x86 quantize_row_q8_0.
 */
class Q8_0ActivationsTest {

    @Test
    void matchesNumpyReferenceOfGgmlCpuRounding() throws IOException {
        Path file = Path.of(System.getProperty("kiln.fixtures"), "quant", "q8_activations.txt");
        List<String> lines = Files.readAllLines(file);
        int rows = 0;
        int i = 0;
        while (i < lines.size()) {
            String[] xs = lines.get(i++).split(" ");
            assertEquals("x", xs[0]);
            float[] x = new float[xs.length - 1];
            for (int j = 0; j < x.length; j++) {
                x[j] = Float.parseFloat(xs[j + 1]);
            }
            // prepare from an offset inside a larger array, as backends do
            float[] padded = new float[x.length + 32];
            System.arraycopy(x, 0, padded, 32, x.length);
            Q8_0Activations a = Q8_0Activations.of(padded, 32, x.length);
            for (int b = 0; b < x.length / 32; b++) {
                String[] bs = lines.get(i++).split(" ");
                assertEquals("b", bs[0]);
                float d = Float.float16ToFloat((short) Integer.parseInt(bs[1], 16));
                assertEquals(d, a.scale(b), "row " + rows + " block " + b + " scale");
                for (int j = 0; j < 32; j++) {
                    assertEquals(Integer.parseInt(bs[j + 2]), a.quant(b * 32 + j), "row " + rows + " block " + b + " element " + j);
                }
            }
            rows++;
        }
        assertEquals(7, rows);
    }
}
