package dev.kiln.model.gemma3;

import dev.kiln.api.format.MetadataValue;
import dev.kiln.toolkit.decoder.ArchitectureKeys;
import dev.kiln.toolkit.decoder.DecoderArchitecture;
import dev.kiln.toolkit.decoder.DecoderConfig;
import dev.kiln.toolkit.decoder.DecoderShape;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import dev.kiln.toolkit.decoder.GateActivation;
import dev.kiln.toolkit.decoder.HyperParameters;
import dev.kiln.toolkit.decoder.MetadataReader;
import dev.kiln.toolkit.decoder.RopeFrequencies;
import dev.kiln.toolkit.decoder.RopeMode;
import dev.kiln.toolkit.decoder.SlidingLayers;
import java.util.EnumSet;
import java.util.List;

/**
 * Runs GGUF files whose {@code general.architecture} is {@code gemma3} (Gemma 3 270M-27B, the
 * text model), as llama.cpp's Gemma 3 graph: Gemma 2's block (√n_embd embedding scale, NEOX
 * RoPE, scaled queries, post-attention and post-FFN norms, GeGLU, tied output head unless the
 * file has {@code output.weight}) plus a per-head RMS norm of the queries and keys before RoPE,
 * and no attention soft cap. With {@code attention.sliding_window} set, five layers of six are
 * local: they attend through the window and rotate with {@code rope.freq_base_swa} (default
 * 10000) unscaled, while the global layers use {@code rope.freq_base} with the file's RoPE
 * scaling (linear 8 on 4B and up). A {@code final_logit_softcapping} caps the logits when given.
 */
public final class Gemma3Architecture extends DecoderArchitecture {
    private static final ArchitectureKeys KEYS = new ArchitectureKeys("gemma3");
    /** llama.cpp tells Gemma 3 27B, whose query scale differs, by its layer count. */
    private static final int LAYERS_27B = 62;

    public Gemma3Architecture() {
        super(KEYS.architecture(),
                EnumSet.of(Block.ATTN_NORM, Block.ATTN_Q, Block.ATTN_K, Block.ATTN_V, Block.ATTN_Q_NORM, Block.ATTN_K_NORM,
                        Block.ATTN_OUTPUT, Block.ATTN_POST_NORM, Block.FFN_NORM, Block.FFN_GATE, Block.FFN_UP, Block.FFN_DOWN,
                        Block.FFN_POST_NORM),
                Gemma3Architecture::configure,
                List.of(
                        /* Gemma-3-1B(-it): 4 query heads sharing 1 KV head of 256 (1024 query values from 1152). */
                        gemma3("gemma-3-1b", 1152, 26, 6912, 4, 1, 256, 32768, 512, "ggml-vocab-gemma3.gguf"),
                        /* A tiny random model for tests against llama.cpp: six layers (five local, one global), a window
                           of 16 (the test texts are longer) and the linear RoPE scaling of the 4B and larger models. */
                        gemma3("tiny", 64, 6, 96, 4, 1, 32, 1024, 16, "ggml-vocab-gemma3-1k.gguf").withLinearRopeScaling(8f)));
    }

    private static DecoderShape gemma3(String id, int embedding, int layers, int feedForward, int heads, int kvHeads,
                                       int headDim, int context, int window, String vocabulary) {
        return DecoderShape.of(id, embedding, layers, feedForward, heads, kvHeads, headDim, context, 1000000f, 1e-6f, true,
                        vocabulary)
                .with(KEYS.ropeFreqBaseSwa(), MetadataValue.ofFloat32(10000f))
                .with(KEYS.slidingWindow(), MetadataValue.ofUint32(window));
    }

    private static DecoderConfig configure(HyperParameters hp, MetadataReader metadata) {
        int scalar = hp.blockCount() == LAYERS_27B ? hp.embeddingLength() / hp.headCount() : hp.headDim();
        DecoderConfig.Builder config = DecoderConfig.builder(hp)
                .ropeMode(RopeMode.NEOX)
                .activation(GateActivation.GELU)
                .embeddingScale((float) Math.sqrt(hp.embeddingLength()))
                .queryScale(1.0f / (float) Math.sqrt(scalar))
                .attentionScale(1f);
        // without a window (or with 0) every layer is global, as in llama.cpp
        int window = metadata.metadata().getInt(KEYS.slidingWindow(), 0);
        if (window < 0) {
            throw metadata.error(KEYS.slidingWindow(), "is " + window + ", must be 0 (none) or positive");
        }
        if (window > 0) {
            config.slidingWindow(window, SlidingLayers.read(metadata, KEYS, hp.blockCount(), 6))
                    .slidingRope(new RopeFrequencies(metadata.positiveFloat(KEYS.ropeFreqBaseSwa(), 10000f), 1f));
        }
        float cap = metadata.metadata().getFloat(KEYS.finalLogitSoftcapping(), 0f);
        if (cap != 0) {
            config.finalSoftCap(metadata.positiveFloat(KEYS.finalLogitSoftcapping(), 0f));
        }
        return config.build();
    }
}
