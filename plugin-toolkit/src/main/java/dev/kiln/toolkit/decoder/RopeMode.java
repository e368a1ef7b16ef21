package dev.kiln.toolkit.decoder;

/** Which values of a head RoPE rotates together (llama.cpp's rope types). */
public enum RopeMode {
    /** Adjacent pairs {@code (2i, 2i+1)}: Llama, Mistral. */
    NORMAL,
    /** The halves {@code (i, i + n_rot/2)}: Qwen, Gemma, Phi-3, GPT-NeoX. */
    NEOX
}
