package dev.kiln.api.model;

import java.util.Objects;

/**
 * One tensor of a {@link ModelLayout}.
 *
 * @param name the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param shape its dimensions in GGUF order (the row length first)
 * @param kind what a synthetic file fills it with
 */
public record TensorLayout(String name, long[] shape, Kind kind) {

    /** What a synthetic file fills a tensor with. */
    public enum Kind {
        /** Random weights, N(0, std): matrices, biases. */
        WEIGHTS,
        /** Ones: normalization weights. */
        ONES,
        /** Positive values, 1 + |N(0, std)|: RoPE frequency divisors (LongRoPE's factors). */
        POSITIVE
    }

    public TensorLayout {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(kind, "kind is null");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
