package dev.kiln.model.qwen3;

import dev.kiln.toolkit.decoder.DecoderArchitecture;
import dev.kiln.toolkit.decoder.DecoderConfig;
import dev.kiln.toolkit.decoder.DecoderShape;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import dev.kiln.toolkit.decoder.RopeMode;
import java.util.EnumSet;
import java.util.List;

/**
 * Runs GGUF files whose {@code general.architecture} is {@code qwen3} (the dense Qwen3 models),
 * as llama.cpp's {@code llm_build_qwen3}: Llama's block without biases, with a per-head RMS norm
 * of the queries and keys ({@code attn_q_norm}, {@code attn_k_norm}) before NEOX-mode RoPE; the
 * head size comes from {@code qwen3.attention.key_length}, not {@code embedding_length / head_count}.
 */
public final class Qwen3Architecture extends DecoderArchitecture {

    public Qwen3Architecture() {
        super("qwen3",
                EnumSet.of(Block.ATTN_NORM, Block.ATTN_Q, Block.ATTN_K, Block.ATTN_V, Block.ATTN_Q_NORM, Block.ATTN_K_NORM,
                        Block.ATTN_OUTPUT, Block.FFN_NORM, Block.FFN_GATE, Block.FFN_UP, Block.FFN_DOWN),
                (hp, metadata) -> DecoderConfig.builder(hp).ropeMode(RopeMode.NEOX).build(),
                List.of(
                        /* Qwen3-0.6B: 16 query heads sharing 8 KV heads of 128 (2048 query values from 1024), tied embeddings. */
                        DecoderShape.of("qwen3-0.6b", 1024, 28, 3072, 16, 8, 128, 40960, 1000000f, 1e-6f, true,
                                "ggml-vocab-qwen2.gguf"),
                        /* A tiny random model for tests against llama.cpp: heads of 32 (128 query values from 64). */
                        DecoderShape.of("tiny", 64, 2, 96, 4, 2, 32, 1024, 1000000f, 1e-6f, true,
                                "ggml-vocab-qwen2-1k.gguf")));
    }
}
