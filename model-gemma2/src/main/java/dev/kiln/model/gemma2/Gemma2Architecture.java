package dev.kiln.model.gemma2;

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
 * Runs GGUF files whose {@code general.architecture} is {@code gemma2} (Gemma 2 2B, 9B, 27B), as
 * llama.cpp's Gemma 2 graph: token embeddings scaled by √n_embd; NEOX-mode RoPE; queries scaled
 * by 1/√head_dim (27B: 1/√(n_embd/n_head), its {@code query_pre_attn_scalar}) and scores
 * soft-capped ({@code attn_logit_softcapping}, default 50); a sliding window
 * ({@code attention.sliding_window}, default 4096) on the even layers; RMS norms after attention
 * and after the feed-forward block as well as before; GeGLU; the logits soft-capped
 * ({@code final_logit_softcapping}, default 30); the output head tied to the token embedding.
 * The norm weights in a GGUF already include Gemma's {@code 1 +} (the converter adds it).
 */
public final class Gemma2Architecture extends DecoderArchitecture {
    private static final ArchitectureKeys KEYS = new ArchitectureKeys("gemma2");
    /** llama.cpp tells Gemma 2 27B, whose query scale differs, by its layer count. */
    private static final int LAYERS_27B = 46;

    public Gemma2Architecture() {
        super(KEYS.architecture(),
                EnumSet.of(Block.ATTN_NORM, Block.ATTN_Q, Block.ATTN_K, Block.ATTN_V, Block.ATTN_OUTPUT, Block.ATTN_POST_NORM,
                        Block.FFN_NORM, Block.FFN_GATE, Block.FFN_UP, Block.FFN_DOWN, Block.FFN_POST_NORM),
                Gemma2Architecture::configure,
                List.of(
                        /* Gemma-2-2B(-it): 8 query heads sharing 4 KV heads of 256 (2048 query values from 2304). */
                        gemma2("gemma-2-2b", 2304, 26, 9216, 8, 4, 256, 8192, 4096, "ggml-vocab-gemma2.gguf"),
                        /* A tiny random model for tests against llama.cpp: heads of 32, a window of 16 (the test texts are longer). */
                        gemma2("tiny", 64, 4, 128, 4, 2, 32, 1024, 16, "ggml-vocab-gemma2-1k.gguf")));
    }

    /** llama.cpp's Gemma 2 reads no {@code output.weight}: the head is the token embedding. */
    @Override
    protected boolean alwaysTied() {
        return true;
    }

    private static DecoderShape gemma2(String id, int embedding, int layers, int feedForward, int heads, int kvHeads,
                                       int headDim, int context, int window, String vocabulary) {
        return DecoderShape.of(id, embedding, layers, feedForward, heads, kvHeads, headDim, context, 10000f, 1e-6f, true,
                        vocabulary)
                .with(KEYS.attentionLogitSoftcapping(), MetadataValue.ofFloat32(50f))
                .with(KEYS.finalLogitSoftcapping(), MetadataValue.ofFloat32(30f))
                .with(KEYS.slidingWindow(), MetadataValue.ofUint32(window));
    }

    private static DecoderConfig configure(HyperParameters hp, MetadataReader metadata) {
        int window = metadata.positiveInt(KEYS.slidingWindow(), 4096);
        boolean[] sliding = SlidingLayers.read(metadata, KEYS, hp.blockCount(), 2);
        float swaBase = metadata.positiveFloat(KEYS.ropeFreqBaseSwa(), hp.ropeFreqBase());
        int scalar = hp.blockCount() == LAYERS_27B ? hp.embeddingLength() / hp.headCount() : hp.headDim();
        return DecoderConfig.builder(hp)
                .ropeMode(RopeMode.NEOX)
                .activation(GateActivation.GELU)
                .embeddingScale((float) Math.sqrt(hp.embeddingLength()))
                .queryScale(1.0f / (float) Math.sqrt(scalar))
                .attentionScale(1f)
                .attentionSoftCap(metadata.positiveFloat(KEYS.attentionLogitSoftcapping(), 50f))
                .finalSoftCap(metadata.positiveFloat(KEYS.finalLogitSoftcapping(), 30f))
                .slidingWindow(window, sliding)
                .slidingRope(new RopeFrequencies(swaBase, hp.ropeFreqScale()))
                .build();
    }
}
