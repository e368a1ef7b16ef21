package dev.kiln.toolkit.decoder;

import dev.kiln.api.backend.AttentionParameters;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntPredicate;

/**
 * What one architecture's decoder computes, beyond the shapes in its {@link HyperParameters}:
 * the variant of each part of the block skeleton that llama.cpp's build function for that
 * architecture uses. {@link #builder(HyperParameters)} starts from Llama's choices.
 *
 * @param ropeMode which values RoPE rotates together
 * @param activation the feed-forward gate's activation
 * @param embeddingScale multiplies the token embeddings (Gemma: √n_embd), 1 for none
 * @param queryScale multiplies the queries after RoPE, before attention (Gemma, Phi-3), 1 for none
 * @param attentionScale multiplies the attention scores (llama.cpp's {@code kq_scale})
 * @param attentionSoftCap soft cap of the attention scores (Gemma 2), 0 for none
 * @param finalSoftCap soft cap of the logits (Gemma 2), 0 for none
 * @param slidingWindow the window of the sliding-window layers, 0 for none
 * @param slidingLayers which layers use the window (length {@code blockCount}), all false without one
 * @param slidingRope the RoPE frequencies of the sliding-window layers (Gemma 3's local base), or
 *        null for the model's own
 */
public record DecoderConfig(
        HyperParameters hp,
        RopeMode ropeMode,
        GateActivation activation,
        float embeddingScale,
        float queryScale,
        float attentionScale,
        float attentionSoftCap,
        float finalSoftCap,
        int slidingWindow,
        boolean[] slidingLayers,
        RopeFrequencies slidingRope) {

    public DecoderConfig {
        Objects.requireNonNull(hp, "hp is null");
        Objects.requireNonNull(ropeMode, "ropeMode is null");
        Objects.requireNonNull(activation, "activation is null");
        slidingLayers = slidingLayers == null ? new boolean[hp.blockCount()] : slidingLayers.clone();
        if (slidingLayers.length != hp.blockCount()) {
            throw new IllegalArgumentException(slidingLayers.length + " sliding-layer flags for " + hp.blockCount() + " layers");
        }
    }

    @Override
    public boolean[] slidingLayers() {
        return slidingLayers.clone();
    }

    /** Whether layer {@code layer} attends through the sliding window. */
    public boolean isSliding(int layer) {
        return slidingWindow > 0 && slidingLayers[layer];
    }

    /** How layer {@code layer} turns scores into weights. */
    public AttentionParameters attention(int layer) {
        return new AttentionParameters(attentionScale, attentionSoftCap, isSliding(layer) ? slidingWindow : 0);
    }

    /** The RoPE frequencies of layer {@code layer}. */
    public RopeFrequencies rope(int layer) {
        return isSliding(layer) && slidingRope != null ? slidingRope : new RopeFrequencies(hp.ropeFreqBase(), hp.ropeFreqScale());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecoderConfig c && hp.equals(c.hp) && ropeMode == c.ropeMode && activation == c.activation
                && Float.compare(embeddingScale, c.embeddingScale) == 0 && Float.compare(queryScale, c.queryScale) == 0
                && Float.compare(attentionScale, c.attentionScale) == 0
                && Float.compare(attentionSoftCap, c.attentionSoftCap) == 0
                && Float.compare(finalSoftCap, c.finalSoftCap) == 0 && slidingWindow == c.slidingWindow
                && Arrays.equals(slidingLayers, c.slidingLayers) && Objects.equals(slidingRope, c.slidingRope);
    }

    @Override
    public int hashCode() {
        return Objects.hash(hp, ropeMode, activation, embeddingScale, queryScale, attentionScale, attentionSoftCap,
                finalSoftCap, slidingWindow, Arrays.hashCode(slidingLayers), slidingRope);
    }

    /** Llama's choices for {@code hp}: normal RoPE, SwiGLU, scores scaled by {@code 1/√head_dim}, nothing else. */
    public static Builder builder(HyperParameters hp) {
        return new Builder(hp);
    }

    /** Builds a {@link DecoderConfig}; each setter names one of its components. */
    public static final class Builder {
        private final HyperParameters hp;
        private RopeMode ropeMode = RopeMode.NORMAL;
        private GateActivation activation = GateActivation.SILU;
        private float embeddingScale = 1f;
        private float queryScale = 1f;
        private float attentionScale;
        private float attentionSoftCap;
        private float finalSoftCap;
        private int slidingWindow;
        private boolean[] slidingLayers;
        private RopeFrequencies slidingRope;

        private Builder(HyperParameters hp) {
            this.hp = Objects.requireNonNull(hp, "hp is null");
            // as llama.cpp: kq_scale = 1.0f / sqrtf(head_dim)
            this.attentionScale = 1.0f / (float) Math.sqrt(hp.headDim());
        }

        public Builder ropeMode(RopeMode mode) {
            this.ropeMode = mode;
            return this;
        }

        public Builder activation(GateActivation activation) {
            this.activation = activation;
            return this;
        }

        public Builder embeddingScale(float scale) {
            this.embeddingScale = scale;
            return this;
        }

        public Builder queryScale(float scale) {
            this.queryScale = scale;
            return this;
        }

        public Builder attentionScale(float scale) {
            this.attentionScale = scale;
            return this;
        }

        public Builder attentionSoftCap(float cap) {
            this.attentionSoftCap = cap;
            return this;
        }

        public Builder finalSoftCap(float cap) {
            this.finalSoftCap = cap;
            return this;
        }

        /** A window of {@code window} positions on the layers {@code sliding} accepts. */
        public Builder slidingWindow(int window, IntPredicate sliding) {
            this.slidingWindow = window;
            this.slidingLayers = new boolean[hp.blockCount()];
            for (int l = 0; l < slidingLayers.length; l++) {
                slidingLayers[l] = sliding.test(l);
            }
            return this;
        }

        /** A window of {@code window} positions on the layers whose flag is set (one per layer). */
        public Builder slidingWindow(int window, boolean[] sliding) {
            if (sliding.length != hp.blockCount()) {
                throw new IllegalArgumentException(sliding.length + " sliding-layer flags for " + hp.blockCount() + " layers");
            }
            return slidingWindow(window, l -> sliding[l]);
        }

        public Builder slidingRope(RopeFrequencies frequencies) {
            this.slidingRope = frequencies;
            return this;
        }

        public DecoderConfig build() {
            return new DecoderConfig(hp, ropeMode, activation, embeddingScale, queryScale, attentionScale, attentionSoftCap,
                    finalSoftCap, slidingWindow, slidingLayers, slidingRope);
        }
    }
}
