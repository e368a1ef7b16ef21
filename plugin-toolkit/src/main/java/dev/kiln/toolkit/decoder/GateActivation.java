package dev.kiln.toolkit.decoder;

/** The activation of the gated feed-forward block: {@code act(gate · x) ⊙ (up · x)}. */
public enum GateActivation {
    /** SwiGLU: Llama, Qwen, Phi-3. */
    SILU,
    /** GeGLU with GELU's tanh approximation: Gemma. */
    GELU
}
