package dev.kiln.toolkit.decoder;

/**
 * The base and angle multiplier of one set of RoPE angles (Gemma 3's sliding-window layers have
 * their own).
 *
 * @param base {@code rope.freq_base}
 * @param scale multiplies every angle: 1, or 1/factor for linear scaling
 */
public record RopeFrequencies(float base, float scale) {
}
