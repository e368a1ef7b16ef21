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
                                "ggml-vocab-llama-spm.gguf")));
    }

    @Override
    protected Map<String, MetadataValue> shapeMetadata(HyperParameters hp) {
        Map<String, MetadataValue> m = new LinkedHashMap<>();
        m.put(keys().ropeDimensionCount(), MetadataValue.ofUint32(hp.ropeDimensions()));
        m.put(keys().vocabSize(), MetadataValue.ofUint32(hp.vocabularySize()));
        return m;
    }
}
