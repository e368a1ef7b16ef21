package dev.kiln.toolkit.decoder;

import dev.kiln.api.backend.RopeTable;

/**
 * RoPE angles computed as ggml's {@code ggml_rope_cache_init} does, in float: pair {@code i} at
 * position {@code p} turns by {@code freqScale · (p · θ^i) / factor[i]} with
 * {@code θ = powf(base, -2/n_rot)}, where {@code p · θ^i} is built by repeated float
 * multiplication (not pow), as ggml does, so the rounded angles match llama.cpp's bit for bit.
 * The same angles serve both rope modes (only which values they rotate differs). An attention
 * factor other than 1 (LongRoPE's) multiplies cos and sin, as ggml's {@code rope_yarn} does with
 * its {@code mscale}.
 */
final class RopeAngles {
    private final int pairs;
    private final float thetaScale;
    private final float freqScale;
    private final float[] frequencyFactors;
    private final float attentionFactor;

    RopeAngles(RopeFrequencies frequencies, int ropeDimensions, float[] frequencyFactors) {
        this(frequencies, ropeDimensions, frequencyFactors, 1f);
    }

    RopeAngles(RopeFrequencies frequencies, int ropeDimensions, float[] frequencyFactors, float attentionFactor) {
        this.attentionFactor = attentionFactor;
        this.pairs = ropeDimensions / 2;
        this.thetaScale = (float) Math.pow(frequencies.base(), -2.0f / ropeDimensions);
        this.freqScale = frequencies.scale();
        this.frequencyFactors = frequencyFactors;
    }

    /** The table for positions {@code 0 .. positions - 1}. */
    RopeTable table(int positions) {
        float[] cos = new float[positions * pairs];
        float[] sin = new float[positions * pairs];
        for (int p = 0; p < positions; p++) {
            float theta = p;
            for (int i = 0; i < pairs; i++) {
                float angle = theta;
                if (frequencyFactors != null) {
                    angle = angle / frequencyFactors[i];
                }
                angle = freqScale * angle;
                cos[p * pairs + i] = (float) Math.cos(angle) * attentionFactor;
                sin[p * pairs + i] = (float) Math.sin(angle) * attentionFactor;
                theta *= thetaScale;
            }
        }
        return new RopeTable(cos, sin, pairs, positions);
    }
}
