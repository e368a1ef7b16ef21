package dev.kiln.toolkit.quant.activation;

/**
 * How a dot-product kernel prepares its activations: ggml's rounding to the weight type's
 * {@code vec_dot_type}. A kernel built on {@link dev.kiln.toolkit.quant.BlockDotKernel} names its
 * form instead of writing the preparation out.
 *
 * @param <A> the prepared activations
 */
public interface ActivationForm<A> {

    /** Q8_0 blocks ({@link Q8_0Activations}), for Q4_0, Q5_0, Q8_0, IQ4_NL weights. */
    ActivationForm<Q8_0Activations> Q8_0 = of(Q8_0Activations::of, Q8_0Activations::count);
    /** Q8_1 blocks ({@link Q8_1Activations}), for Q4_1, Q5_1 weights. */
    ActivationForm<Q8_1Activations> Q8_1 = of(Q8_1Activations::of, Q8_1Activations::count);
    /** Q8_K blocks ({@link Q8KActivations}), for the K-quants and IQ4_XS. */
    ActivationForm<Q8KActivations> Q8_K = of(Q8KActivations::of, Q8KActivations::count);

    /** Rounds {@code count} activations from {@code x[offset]} (the range and whole blocks are checked). */
    A prepare(float[] x, int offset, int count);

    /** How many activations {@code prepared} holds. */
    int count(A prepared);

    /** A form from its two functions. */
    static <A> ActivationForm<A> of(Preparation<A> prepare, java.util.function.ToIntFunction<A> count) {
        return new ActivationForm<>() {
            @Override
            public A prepare(float[] x, int offset, int n) {
                return prepare.prepare(x, offset, n);
            }

            @Override
            public int count(A prepared) {
                return count.applyAsInt(prepared);
            }
        };
    }

    /** The preparation step of a form. */
    @FunctionalInterface
    interface Preparation<A> {
        A prepare(float[] x, int offset, int count);
    }
}
