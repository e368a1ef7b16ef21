package dev.kiln.model.llama;

import dev.kiln.api.format.MetadataValue;
import dev.kiln.toolkit.decoder.DecoderArchitecture;
import dev.kiln.toolkit.decoder.DecoderConfig;
import dev.kiln.toolkit.decoder.DecoderShape;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import dev.kiln.toolkit.decoder.HyperParameters;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs GGUF files whose {@code general.architecture} is {@code llama} (TinyLlama, Llama 2/3,
 * Mistral, SmolLM2): the shared decoder skeleton as it is, normal-mode RoPE (with Llama 3.1's
 * frequency factors from {@code rope_freqs.weight}), SwiGLU, no biases.
 */
public final class LlamaArchitecture extends DecoderArchitecture {

    public LlamaArchitecture() {
        super("llama",
                EnumSet.of(Block.ATTN_NORM, Block.ATTN_Q, Block.ATTN_K, Block.ATTN_V, Block.ATTN_OUTPUT, Block.FFN_NORM,
                        Block.FFN_GATE, Block.FFN_UP, Block.FFN_DOWN),
                (hp, metadata) -> DecoderConfig.builder(hp).build(),
                // real Llama models' dimensions (the presets of make_synthetic_gguf.py)
                List.of(
                        /* TinyLlama-1.1B: Llama 2 architecture, SentencePiece vocab of 32000. */
                        DecoderShape.of("tinyllama-1.1b", 2048, 22, 5632, 32, 4, 64, 2048, 10000f, 1e-5f, false,
                                "ggml-vocab-llama-spm.gguf"),
                        /* Llama-3.2-1B: byte-level BPE vocab of 128256, tied embeddings. */
                        DecoderShape.of("llama-3.2-1b", 2048, 16, 8192, 32, 8, 64, 131072, 500000f, 1e-5f, true,
                                "ggml-vocab-llama-bpe.gguf"),
                        /* A small model for quick tests. */
                        DecoderShape.of("small", 256, 4, 768, 8, 4, 32, 2048, 10000f, 1e-5f, false,
                                "ggml-vocab-llama-spm.gguf"),
                        /* SmolLM2-360M: 15 query heads sharing 5 KV heads of 64, tied embeddings, rope base 1e5;
                           StarCoder's vocabulary of 49152 (pre-tokenizer starcoder, which llama.cpp runs
                           exactly as SmolLM2's smollm). */
                        DecoderShape.of("smollm2-360m", 960, 32, 2560, 15, 5, 64, 8192, 100000f, 1e-5f, true,
                                "ggml-vocab-starcoder.gguf"),
                        /* Mistral-7B(-Instruct-v0.2): 32 query heads sharing 8 KV heads of 128, untied head, rope
                           base 1e6, SentencePiece vocabulary of 32000 (Llama 2's stands in for Mistral's own;
                           v0.1 has base 1e4, v0.3 a vocabulary of 32768). Its sliding window is ignored by
                           llama.cpp's llama architecture too. */
                        DecoderShape.of("mistral-7b", 4096, 32, 14336, 32, 8, 128, 32768, 1000000f, 1e-5f, false,
                                "ggml-vocab-llama-spm.gguf"),
                        /* Mistral-Nemo-12B: heads of 128 though 5120/32 = 160 (key_length), tekken vocabulary of 131072. */
                        DecoderShape.of("mistral-nemo-12b", 5120, 40, 14336, 32, 8, 128, 1024000, 1000000f, 1e-5f, false,
                                "ggml-vocab-mistral-nemo.gguf"),
                        /* Tiny random models for tests against llama.cpp: SmolLM2's block on a 1024-token cut of
                           the StarCoder vocabulary with pre-tokenizer smollm, and Mistral-Nemo's (heads of 32 from
                           a 64-wide model) on a cut of the tekken vocabulary. */
                        DecoderShape.of("tiny-smollm", 64, 2, 128, 4, 2, 16, 1024, 100000f, 1e-5f, true,
                                "ggml-vocab-smollm-1k.gguf"),
                        DecoderShape.of("tiny-tekken", 64, 2, 128, 4, 2, 32, 1024, 1000000f, 1e-5f, false,
                                "ggml-vocab-tekken-1k.gguf")));
    }

    @Override
    protected Map<String, MetadataValue> shapeMetadata(HyperParameters hp) {
        Map<String, MetadataValue> m = new LinkedHashMap<>();
        m.put(keys().ropeDimensionCount(), MetadataValue.ofUint32(hp.ropeDimensions()));
        m.put(keys().vocabSize(), MetadataValue.ofUint32(hp.vocabularySize()));
        return m;
    }
}
