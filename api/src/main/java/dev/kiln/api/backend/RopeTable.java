package dev.kiln.api.backend;

/**
 * Precomputed rotary-embedding angles: for position {@code p} and pair {@code i} (of
 * {@code pairs}), {@code cos[p * pairs + i]} and {@code sin[p * pairs + i]}. The model computes
 * the angles (base, scaling, frequency factors) so backends only rotate.
 */
public record RopeTable(float[] cos, float[] sin, int pairs, int positions) {
}
