package dev.kiln.model.phi3;

import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.model.TensorLayout;
import dev.kiln.toolkit.decoder.DecoderArchitecture;
import dev.kiln.toolkit.decoder.DecoderConfig;
import dev.kiln.toolkit.decoder.DecoderShape;
import dev.kiln.toolkit.decoder.DecoderTensors;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import dev.kiln.toolkit.decoder.HyperParameters;
import dev.kiln.toolkit.decoder.RopeMode;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs GGUF files whose {@code general.architecture} is {@code phi3} (Phi-3 and Phi-3.5 mini), as
 * llama.cpp's {@code llama_model_phi3} graph: Llama's block with q, k and v in one matrix
 * ({@code attn_qkv}; separate ones are accepted too) and the gate and up projections in one
 * ({@code ffn_up}: gate rows first, SwiGLU of the fused product), NEOX-mode RoPE, the queries
 * scaled by 1/√head_dim before attention (scores then unscaled). The 128k models carry LongRoPE:
 * {@code rope_factors_short}/{@code rope_factors_long} divide the angles (long for a session
 * longer than {@code phi3.rope.scaling.original_context_length}) and
 * {@code phi3.rope.scaling.attn_factor} scales cos and sin. {@code phi3.attention.sliding_window}
 * is ignored, as llama.cpp does for phi3 (it disables Phi's sliding window).
 */
public final class Phi3Architecture extends DecoderArchitecture {
    private static final Set<Block> FUSED = EnumSet.of(Block.ATTN_NORM, Block.ATTN_QKV, Block.ATTN_OUTPUT, Block.FFN_NORM,
            Block.FFN_GATE_UP, Block.FFN_DOWN);
    private static final Set<Block> SEPARATE = EnumSet.of(Block.ATTN_NORM, Block.ATTN_Q, Block.ATTN_K, Block.ATTN_V,
            Block.ATTN_OUTPUT, Block.FFN_NORM, Block.FFN_GATE_UP, Block.FFN_DOWN);

    public Phi3Architecture() {
        super("phi3", FUSED,
                (hp, metadata) -> DecoderConfig.builder(hp).ropeMode(RopeMode.NEOX)
                        // as llama.cpp: Qcur = ggml_scale(Qcur, 1.0f / sqrtf(n_embd_head)), then kq_scale 1
                        .queryScale(1f / (float) Math.sqrt(hp.headDim())).attentionScale(1f).build(),
                List.of(
                        /* Phi-3-mini-4k(-instruct) and Phi-3.5-mini's block: 32 heads of 96, no GQA, untied head. */
                        DecoderShape.of("phi-3-mini", 3072, 32, 8192, 32, 32, 96, 4096, 10000f, 1e-5f, false,
                                "ggml-vocab-phi-3.gguf"),
                        /* Phi-3-mini-128k(-instruct), Phi-3.5-mini: LongRoPE from 4096 to 131072 positions,
                           attn_factor √(1 + ln 32 / ln 4096) as convert_hf_to_gguf writes it. */
                        longRope(DecoderShape.of("phi-3-mini-128k", 3072, 32, 8192, 32, 32, 96, 131072, 10000f, 1e-5f, false,
                                "ggml-vocab-phi-3.gguf"), 4096),
                        /* Tiny random models for tests against llama.cpp, on the first 1019 tokens of Phi-3's
                           vocabulary and its chat tokens: 4 query heads sharing 2 KV heads of 16. */
                        DecoderShape.of("tiny", 64, 2, 128, 4, 2, 16, 1024, 10000f, 1e-5f, false,
                                "ggml-vocab-phi-3-1k.gguf"),
                        /* The same with LongRoPE from 32 positions: every session of the tests is "long". */
                        longRope(DecoderShape.of("tiny-longrope", 64, 2, 128, 4, 2, 16, 1024, 10000f, 1e-5f, false,
                                "ggml-vocab-phi-3-1k.gguf"), 32),
                        /* LongRoPE from 512 positions: every session of the tests, and llama.cpp's of 512, is "short". */
                        longRope(DecoderShape.of("tiny-longrope-512", 64, 2, 128, 4, 2, 16, 1024, 10000f, 1e-5f, false,
                                "ggml-vocab-phi-3-1k.gguf"), 512)));
    }

    /** {@code shape} extended by LongRoPE from {@code originalContext} positions, with the attention factor Phi-3's converter writes. */
    private static DecoderShape longRope(DecoderShape shape, int originalContext) {
        HyperParameters hp = shape.dimensions();
        double scale = (double) hp.contextLength() / originalContext;
        float attnFactor = (float) Math.sqrt(1 + Math.log(scale) / Math.log(originalContext));
        return new DecoderShape(shape.id(), hp.withRopeScaling(originalContext, attnFactor), shape.tied(), shape.vocabulary());
    }

    @Override
    protected Set<Block> blockTensors(ModelFile file) {
        boolean separate = file.tensor(Block.ATTN_QKV.name(0)).isEmpty() && file.tensor(Block.ATTN_Q.name(0)).isPresent();
        return separate ? SEPARATE : FUSED;
    }

    @Override
    protected Map<String, MetadataValue> shapeMetadata(HyperParameters hp) {
        // what convert_hf_to_gguf.py writes for every Phi-3
        Map<String, MetadataValue> m = new LinkedHashMap<>();
        m.put(keys().ropeOriginalContext(), MetadataValue.ofUint32(hp.ropeOriginalContext()));
        m.put(keys().ropeDimensionCount(), MetadataValue.ofUint32(hp.ropeDimensions()));
        return m;
    }

    @Override
    protected List<TensorLayout> shapeTensors(HyperParameters hp) {
        if (hp.ropeOriginalContext() >= hp.contextLength()) {
            return List.of();
        }
        long[] pairs = {hp.ropeDimensions() / 2};
        return List.of(new TensorLayout(DecoderTensors.ROPE_FACTORS_LONG, pairs, TensorLayout.Kind.POSITIVE),
                new TensorLayout(DecoderTensors.ROPE_FACTORS_SHORT, pairs, TensorLayout.Kind.POSITIVE));
    }
}
