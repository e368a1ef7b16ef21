package dev.kiln.quant.q8_0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import dev.kiln.conformance.Check;
import dev.kiln.conformance.QuantTypeContract;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kit must catch real mistakes: each mutant of Q8_0 below carries one bug of the kind the
 * issue lists (scales misread, quantizer off, kernel wrong, no range checks) and must fail the
 * check made for it, while the correct Q8_0 passes them all.
 */
class KitDetectsBrokenQ8_0Test {

    /** Delegates to Q8_0; mutants override one method. */
    private static class Delegating implements QuantType {
        final Q8_0 real = new Q8_0();

        @Override
        public GgmlType ggmlType() {
            return GgmlType.Q8_0;
        }

        @Override
        public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
            real.dequantize(src, offset, dst, dstOffset, count);
        }

        @Override
        public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
            real.quantize(src, srcOffset, count, dst, offset);
        }

        @Override
        public DotKernel<?> kernel() {
            return real.kernel();
        }
    }

    private static void assertFails(QuantType t, String checkPrefix) {
        List<Check> checks = QuantTypeContract.checks(t);
        Check c = checks.stream().filter(k -> k.name().startsWith(checkPrefix)).findFirst().orElseThrow();
        assertThrows(AssertionError.class, () -> c.body().execute(), c.name());
    }

    @Test
    void dequantizeOffByOneIn10000Fails() {
        QuantType mutant = new Delegating() {
            @Override
            public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
                super.dequantize(src, offset, dst, dstOffset, count);
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] *= 1.0001f;
                }
            }
        };
        assertFails(mutant, "dequantize matches golden");
    }

    @Test
    void quantizerWithScaleOneUlpOffFails() {
        QuantType mutant = new Delegating() {
            @Override
            public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
                super.quantize(src, srcOffset, count, dst, offset);
                // the f16 scale one unit in the last place off, as a truncating conversion would give
                for (int b = 0; b < count / 32; b++) {
                    long p = offset + b * 34L;
                    short d = dst.get(Q8_0.F16, p);
                    dst.set(Q8_0.F16, p, (short) (d + 1));
                }
            }
        };
        assertFails(mutant, "quantize byte-identical to ggml");
    }

    @Test
    void kernelFivePercentOffFails() {
        QuantType mutant = new Delegating() {
            @Override
            public DotKernel<?> kernel() {
                DotKernel<Q8_0Activations> k = new Q8_0Kernel();
                return new DotKernel<Q8_0Activations>() {
                    @Override
                    public Q8_0Activations prepare(float[] x, int offset, int count) {
                        return k.prepare(x, offset, count);
                    }

                    @Override
                    public float dot(MemorySegment w, long offset, Q8_0Activations x, int count) {
                        return k.dot(w, offset, x, count) * 1.05f;
                    }
                };
            }
        };
        assertFails(mutant, "kernel() dot product");
    }

    /**
     * Float activations instead of ggml's Q8_0 rounding: close to Σ dequant·x (it passes the 1e-2
     * check) but not llama.cpp's numbers, which the golden dot check must catch.
     */
    @Test
    void kernelWithUnroundedActivationsFailsTheGoldenDot() throws Throwable {
        Q8_0 real = new Q8_0();
        QuantType mutant = new Delegating() {
            @Override
            public DotKernel<?> kernel() {
                return new DotKernel<float[]>() {
                    @Override
                    public float[] prepare(float[] x, int offset, int count) {
                        return java.util.Arrays.copyOfRange(x, offset, offset + count);
                    }

                    @Override
                    public float dot(MemorySegment w, long offset, float[] x, int count) {
                        float[] deq = new float[count];
                        real.dequantize(w, offset, deq, 0, count);
                        double sum = 0;
                        for (int i = 0; i < count; i++) {
                            sum += (double) deq[i] * x[i];
                        }
                        return (float) sum;
                    }
                };
            }
        };
        QuantTypeContract.checks(mutant).stream().filter(k -> k.name().startsWith("kernel() dot product matches Σ"))
                .findFirst().orElseThrow().body().execute();
        assertFails(mutant, "kernel() dot product matches llama.cpp's");
    }

    @Test
    void uncheckedRangesFail() {
        QuantType mutant = new Delegating() {
            @Override
            public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + 2 + i % 32 + (i / 32) * 34L);
                }
            }
        };
        assertFails(mutant, "out-of-range offsets");
    }

    @Test
    void correctQ8_0PassesEveryCheck() throws Throwable {
        List<Check> checks = QuantTypeContract.checks(new Q8_0());
        assertEquals(12, checks.size(), checks.toString());
        for (Check c : checks) {
            c.body().execute();
        }
    }
}
