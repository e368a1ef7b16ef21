package dev.kiln.model.qwen2;

import dev.kiln.toolkit.decoder.DecoderArchitecture;
import dev.kiln.toolkit.decoder.DecoderConfig;
import dev.kiln.toolkit.decoder.DecoderShape;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import dev.kiln.toolkit.decoder.RopeMode;
import java.util.EnumSet;
import java.util.List;

/**
 * Runs GGUF files whose {@code general.architecture} is {@code qwen2} (Qwen2, Qwen2.5,
 * Qwen2.5-Coder), as llama.cpp's {@code llm_build_qwen2}: Llama's block with biases on the q, k
 * and v projections and NEOX-mode RoPE; small sizes tie the output head to the token embedding.
 */
public final class Qwen2Architecture extends DecoderArchitecture {

    public Qwen2Architecture() {
        super("qwen2",
                EnumSet.of(Block.ATTN_NORM, Block.ATTN_Q, Block.ATTN_Q_BIAS, Block.ATTN_K, Block.ATTN_K_BIAS, Block.ATTN_V,
                        Block.ATTN_V_BIAS, Block.ATTN_OUTPUT, Block.FFN_NORM, Block.FFN_GATE, Block.FFN_UP, Block.FFN_DOWN),
                (hp, metadata) -> DecoderConfig.builder(hp).ropeMode(RopeMode.NEOX).build(),
                List.of(
                        /* Qwen2.5-0.5B(-Instruct): 14 query heads sharing 2 KV heads of 64, tied embeddings. */
                        DecoderShape.of("qwen2.5-0.5b", 896, 24, 4864, 14, 2, 64, 32768, 1000000f, 1e-6f, true,
                                "ggml-vocab-qwen2.gguf"),
                        /* A tiny random model for tests against llama.cpp, on the first 1021 tokens of Qwen's vocabulary. */
                        DecoderShape.of("tiny", 64, 2, 128, 4, 2, 16, 1024, 1000000f, 1e-6f, true,
                                "ggml-vocab-qwen2-1k.gguf")));
    }
}
