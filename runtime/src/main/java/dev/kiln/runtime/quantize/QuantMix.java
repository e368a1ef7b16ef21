package dev.kiln.runtime.quantize;

import static dev.kiln.runtime.quantize.FileType.IQ1_M;
import static dev.kiln.runtime.quantize.FileType.IQ1_S;
import static dev.kiln.runtime.quantize.FileType.IQ2_M;
import static dev.kiln.runtime.quantize.FileType.IQ2_S;
import static dev.kiln.runtime.quantize.FileType.IQ2_XS;
import static dev.kiln.runtime.quantize.FileType.IQ2_XXS;
import static dev.kiln.runtime.quantize.FileType.IQ3_M;
import static dev.kiln.runtime.quantize.FileType.IQ3_S;
import static dev.kiln.runtime.quantize.FileType.IQ3_XS;
import static dev.kiln.runtime.quantize.FileType.IQ3_XXS;
import static dev.kiln.runtime.quantize.FileType.IQ4_NL;
import static dev.kiln.runtime.quantize.FileType.IQ4_XS;
import static dev.kiln.runtime.quantize.FileType.Q2_K;
import static dev.kiln.runtime.quantize.FileType.Q2_K_S;
import static dev.kiln.runtime.quantize.FileType.Q3_K_L;
import static dev.kiln.runtime.quantize.FileType.Q3_K_M;
import static dev.kiln.runtime.quantize.FileType.Q3_K_S;
import static dev.kiln.runtime.quantize.FileType.Q4_K_M;
import static dev.kiln.runtime.quantize.FileType.Q4_K_S;
import static dev.kiln.runtime.quantize.FileType.Q5_K_M;
import static dev.kiln.runtime.quantize.FileType.TQ1_0;
import static dev.kiln.runtime.quantize.FileType.TQ2_0;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataException;
import dev.kiln.api.format.MetadataValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * llama-quantize's choice of a type for each tensor of a model quantized to a {@link FileType}
 * (llama.cpp {@code src/llama-quant.cpp} at c392e50, {@code llama_tensor_get_type}, without an
 * importance matrix): which tensors are quantized at all, the output matrix (or a tied
 * embedding) in Q6_K or Q8_0, the token embedding of the low-bit mixes, the "more bits" layers
 * of {@code attn_v} and {@code ffn_down} (counted in llama.cpp's tensor order), the other
 * per-role rules, and the fallback for rows that the chosen type's blocks do not divide. A
 * float file type (F32, F16, BF16) puts every quantized tensor in that type.
 */
public final class QuantMix {

    /** A tensor as the mix sees it: its name and shape (GGUF order, the row length first). */
    public record Tensor(String name, long[] shape) {
        public Tensor {
            Objects.requireNonNull(name, "name is null");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        long columns() {
            return shape.length == 0 ? 1 : shape[0];
        }

        /** ggml's {@code ggml_n_dims}: trailing dimensions of 1 do not count. */
        int dims() {
            int n = shape.length;
            while (n > 1 && shape[n - 1] == 1) {
                n--;
            }
            return Math.max(n, 1);
        }
    }

    /**
     * The type a tensor gets.
     *
     * @param tensor the tensor's name
     * @param type the type it is written in
     * @param wanted the type the rules chose before the row-length fallback (equal to {@code type} unless it fell back)
     */
    public record Choice(String tensor, GgmlType type, GgmlType wanted) {
        /** Whether the rows did not fit {@code wanted}'s blocks. */
        public boolean fellBack() {
            return type != wanted;
        }
    }

    /**
     * The model facts llama-quantize's rules look at (llama.cpp's hparams).
     *
     * @param architecture {@code general.architecture}
     * @param layers {@code ARCH.block_count}
     * @param heads {@code ARCH.attention.head_count} (of the first layer when given per layer)
     * @param kvHeads {@code ARCH.attention.head_count_kv}, {@code heads} when absent
     * @param experts {@code ARCH.expert_count}, 0 when absent
     */
    public record Model(String architecture, int layers, int heads, int kvHeads, int experts) {

        /** The facts from a model's metadata; a missing architecture or block count is a {@link MetadataException}. */
        public static Model of(Metadata metadata) {
            String arch = metadata.getString("general.architecture");
            int layers = metadata.getInt(arch + ".block_count");
            int heads = firstOrOnly(metadata, arch + ".attention.head_count", 0);
            int kvHeads = firstOrOnly(metadata, arch + ".attention.head_count_kv", heads);
            return new Model(arch, layers, heads, kvHeads, metadata.getInt(arch + ".expert_count", 0));
        }

        private static int firstOrOnly(Metadata metadata, String key, int absent) {
            Optional<MetadataValue> v = metadata.find(key);
            if (v.isEmpty()) {
                return absent;
            }
            if (v.get().value() instanceof MetadataArray) {
                int[] perLayer = metadata.getIntArray(key);
                return perLayer.length == 0 ? absent : perLayer[0];
            }
            return metadata.getInt(key);
        }

        /** Query heads per key/value head ({@code n_gqa}), 0 without key/value heads. */
        int gqa() {
            return kvHeads == 0 ? 0 : heads / kvHeads;
        }

        /** Whether llama.cpp calls the model a 70B ({@code LLM_TYPE_70B}), whose attn_v gets more bits. */
        boolean is70B() {
            return switch (architecture) {
                case "llama" -> experts != 8 && layers == 80 && heads != kvHeads;
                case "qwen2", "deci", "olmo" -> layers == 80;
                default -> false;
            };
        }

        boolean falcon() {
            return architecture.equals("falcon");
        }
    }

    /** Name parts of tensors llama.cpp never quantizes, even when 2-D. */
    private static final List<String> NEVER = List.of("_norm.weight", "ffn_gate_inp.weight", "ssm_conv1d.weight",
            "shortconv.conv.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
            "time_mix_w2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
            "attn_rel_b.weight");

    /** The mixes whose attn_v, ffn_down and attn_output follow the 1-2 bit rules. */
    private static final Set<FileType> LOW_BIT = EnumSet.of(IQ2_XXS, IQ2_XS, IQ1_S, IQ2_S, IQ2_M, IQ1_M);

    private final FileType fileType;
    private final Model model;
    private final boolean hasOutput;
    private final int attentionWv;
    private int iAttentionWv;
    private int iFfnDown;
    private int iFfnGate;
    private int iFfnUp;

    private QuantMix(FileType fileType, Model model, boolean hasOutput, int attentionWv) {
        this.fileType = fileType;
        this.model = model;
        this.hasOutput = hasOutput;
        this.attentionWv = attentionWv;
    }

    /**
     * The type of every tensor llama-quantize quantizes, in llama.cpp's tensor order
     * ({@link TensorOrder}); tensors it copies unchanged (norms, 1-D tensors, …) are left out.
     *
     * @throws KilnException if a tensor's rows fit neither the chosen type nor a fallback llama.cpp has for it
     */
    public static List<Choice> choose(FileType fileType, Model model, List<Tensor> tensors) {
        List<Tensor> ordered = new ArrayList<>(tensors);
        ordered.sort(Comparator.comparing(Tensor::name, TensorOrder.LLAMA));
        boolean hasOutput = ordered.stream().anyMatch(t -> t.name().equals("output.weight"));
        int attentionWv = (int) ordered.stream().map(Tensor::name)
                .filter(n -> n.contains("attn_v.weight") || n.contains("attn_qkv.weight") || n.contains("attn_kv_b.weight"))
                .count();
        QuantMix mix = new QuantMix(fileType, model, hasOutput, attentionWv);
        List<Choice> choices = new ArrayList<>();
        for (Tensor t : ordered) {
            if (quantizable(t)) {
                choices.add(mix.choice(t));
            }
        }
        return List.copyOf(choices);
    }

    /** llama.cpp's rule: a name ending in "weight", two or more dimensions, not a norm or one of a few small special tensors. */
    public static boolean quantizable(Tensor t) {
        String name = t.name();
        if (!name.endsWith("weight") || t.dims() < 2) {
            return false;
        }
        if (name.equals("position_embd.weight") || name.equals("token_types.weight")) {
            return false;
        }
        return NEVER.stream().noneMatch(name::contains);
    }

    /** llama.cpp's fallback for a type whose blocks do not divide a row (before checking that it fits). */
    public static Optional<GgmlType> fallbackFor(GgmlType type) {
        return Optional.ofNullable(switch (type) {
            case TQ1_0, TQ2_0 -> GgmlType.Q4_0;
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M, Q2_K, Q3_K, IQ4_XS -> GgmlType.IQ4_NL;
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> null;
        });
    }

    private Choice choice(Tensor t) {
        GgmlType base = fileType.base();
        if (!fileType.quantized()) {
            return new Choice(t.name(), base, base);
        }
        GgmlType wanted = byRole(t, base);
        long columns = t.columns();
        if (wanted.fitsRow(columns)) {
            return new Choice(t.name(), wanted, wanted);
        }
        GgmlType fallback = fallbackFor(wanted).orElseThrow(() -> new KilnException(t.name() + ": rows of " + columns
                + " elements are not a multiple of " + wanted + "'s " + wanted.blockSize()
                + "-element blocks, and llama-quantize has no fallback type for " + wanted
                + " (a pure quantization keeps such tensors as they are)"));
        return new Choice(t.name(), fallback.fitsRow(columns) ? fallback : GgmlType.F16, wanted);
    }

    private boolean is(FileType... types) {
        for (FileType f : types) {
            if (fileType == f) {
                return true;
            }
        }
        return false;
    }

    private static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** The layer an ffn tensor belongs to: its count so far, or, with experts, the number in its name. */
    private int layerOf(String name, int counted) {
        if (model.experts() <= 1) {
            return counted;
        }
        int layer = TensorOrder.layerOf(name);
        if (layer < 0 || layer >= model.layers()) {
            throw new KilnException(name + ": not a tensor of one of the model's " + model.layers() + " blocks");
        }
        return layer;
    }

    /** llama_tensor_get_type's rules by tensor role, before the fallback. */
    private GgmlType byRole(Tensor t, GgmlType type) {
        String name = t.name();
        int layers = model.layers();
        if (name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"))) {
            if (model.falcon() || t.columns() % 256 != 0) {
                return GgmlType.Q8_0;
            }
            if (is(IQ2_XXS, IQ2_XS, IQ3_XXS, IQ1_S, IQ2_S, IQ2_M, IQ1_M)) {
                return GgmlType.Q5_K;
            }
            return type == GgmlType.Q8_0 ? type : GgmlType.Q6_K;
        }
        if (name.equals("token_embd.weight")) {
            if (is(IQ2_XXS, IQ2_XS, IQ1_S, IQ1_M)) {
                return GgmlType.Q2_K;
            }
            if (is(IQ2_S, IQ2_M, IQ3_XXS)) {
                return GgmlType.IQ3_S;
            }
            if (is(TQ1_0, TQ2_0)) {
                return GgmlType.Q4_K;
            }
            return type;
        }
        if (LOW_BIT.contains(fileType)) {
            return lowBit(name, type);
        }
        if (name.contains("attn_v.weight")) {
            GgmlType v = attentionV(type);
            iAttentionWv++;
            return v;
        }
        if (name.contains("attn_k.weight")) {
            if (model.experts() == 8) {
                return GgmlType.Q8_0;
            }
            return is(IQ3_XS) ? GgmlType.IQ3_XXS : is(IQ3_XXS) ? GgmlType.IQ2_S : type;
        }
        if (name.contains("attn_q.weight")) {
            return is(IQ3_XS) ? GgmlType.IQ3_XXS : is(IQ3_XXS) ? GgmlType.IQ2_S : type;
        }
        if (name.contains("ffn_down")) {
            GgmlType down = ffnDown(layerOf(name, iFfnDown), layers, type);
            iFfnDown++;
            return down;
        }
        if (name.contains("attn_output.weight")) {
            return attentionOutput(type);
        }
        if (name.contains("attn_qkv.weight")) {
            if (is(Q3_K_M, Q3_K_L, IQ3_M)) {
                return GgmlType.Q4_K;
            }
            return is(Q4_K_M) ? GgmlType.Q5_K : is(Q5_K_M) ? GgmlType.Q6_K : type;
        }
        if (name.contains("ffn_gate")) {
            int layer = layerOf(name, iFfnGate);
            iFfnGate++;
            return is(IQ3_XS) && layer >= layers / 8 && layer < 7 * layers / 8 ? GgmlType.IQ3_XXS : type;
        }
        if (name.contains("ffn_up")) {
            int layer = layerOf(name, iFfnUp);
            iFfnUp++;
            return is(IQ3_XS) && layer >= layers / 8 && layer < 7 * layers / 8 ? GgmlType.IQ3_XXS : type;
        }
        return type;
    }

    /** The 1-2 bit mixes (IQ1_*, IQ2_*): more bits for attn_v, the first eighth of ffn_down and attn_output. */
    private GgmlType lowBit(String name, GgmlType type) {
        GgmlType better = is(IQ2_S, IQ2_M) ? GgmlType.IQ3_S : GgmlType.Q2_K;
        if (name.contains("attn_v.weight")) {
            iAttentionWv++;
            return model.gqa() >= 4 || model.experts() >= 4 ? GgmlType.Q4_K : better;
        }
        if (model.experts() == 8 && name.contains("attn_k.weight")) {
            return GgmlType.Q4_K;
        }
        if (name.contains("ffn_down")) {
            GgmlType down = iFfnDown < model.layers() / 8 ? better : type;
            iFfnDown++;
            return down;
        }
        if (name.contains("attn_output.weight")) {
            if (model.experts() == 8) {
                return GgmlType.Q5_K;
            }
            return is(IQ1_S, IQ1_M) ? GgmlType.IQ2_XXS : is(IQ2_S, IQ2_M) ? GgmlType.IQ3_S : type;
        }
        return type;
    }

    private GgmlType attentionV(GgmlType type) {
        int gqa = model.gqa();
        GgmlType v = type;
        if (is(Q2_K)) {
            v = gqa >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
        } else if (is(Q2_K_S) && gqa >= 4) {
            v = GgmlType.Q4_K;
        } else if (is(IQ3_XXS)) {
            v = gqa >= 4 ? GgmlType.Q4_K : GgmlType.IQ3_S; // IQ3_XXS only with an importance matrix
        } else if (is(IQ3_XS, IQ3_S) && gqa >= 4) {
            v = GgmlType.Q4_K;
        } else if (is(IQ3_M)) {
            v = GgmlType.Q4_K;
        } else if (is(Q3_K_M)) {
            v = iAttentionWv < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
        } else if (is(Q3_K_L)) {
            v = GgmlType.Q5_K;
        } else if (is(IQ4_NL, IQ4_XS) && gqa >= 4) {
            v = GgmlType.Q5_K;
        } else if (is(Q4_K_M, Q5_K_M) && useMoreBits(iAttentionWv, attentionWv)) {
            v = GgmlType.Q6_K;
        } else if (is(Q4_K_S) && iAttentionWv < 4) {
            v = GgmlType.Q5_K;
        }
        if (model.is70B() && (v == GgmlType.Q3_K || v == GgmlType.Q4_K)) {
            v = GgmlType.Q5_K; // attn_v is 8x smaller than attn_q there: more bits cost little
        }
        return model.experts() == 8 ? GgmlType.Q8_0 : v;
    }

    private GgmlType ffnDown(int layer, int layers, GgmlType type) {
        boolean falcon = model.falcon();
        if (is(Q2_K)) {
            return GgmlType.Q3_K;
        }
        if (is(Q2_K_S)) {
            return layer < layers / 8 ? GgmlType.Q4_K : type;
        }
        if (is(IQ3_XXS)) {
            return layer < layers / 8 ? GgmlType.Q4_K : GgmlType.Q3_K;
        }
        if (is(Q3_K_M)) {
            return layer < layers / 16 ? GgmlType.Q5_K
                    : !falcon || useMoreBits(layer, layers) ? GgmlType.Q4_K : GgmlType.Q3_K;
        }
        if (is(IQ3_M) && (layer < layers / 8 || (model.experts() == 8 && useMoreBits(layer, layers)))) {
            return GgmlType.Q4_K;
        }
        if (is(Q3_K_L)) {
            return falcon ? GgmlType.Q4_K : GgmlType.Q5_K;
        }
        if (is(Q4_K_M)) {
            if (falcon) {
                return layer < layers / 16 ? GgmlType.Q6_K : useMoreBits(layer, layers) ? GgmlType.Q5_K : GgmlType.Q4_K;
            }
            return useMoreBits(layer, layers) ? GgmlType.Q6_K : type;
        }
        if (layer < layers / 8 && is(IQ4_NL, IQ4_XS)) {
            return GgmlType.Q5_K;
        }
        if (is(Q5_K_M) && useMoreBits(layer, layers)) {
            return GgmlType.Q6_K;
        }
        if (is(Q4_K_S) && !falcon && layer < layers / 8) {
            return GgmlType.Q5_K;
        }
        return type;
    }

    private GgmlType attentionOutput(GgmlType type) {
        if (model.falcon()) {
            return is(Q3_K_L) ? GgmlType.Q4_K : type;
        }
        if (model.experts() == 8) {
            return is(Q2_K, IQ3_XS, IQ3_XXS, Q3_K_S, Q3_K_M, IQ4_NL, Q4_K_S, Q4_K_M, IQ3_S, IQ3_M, IQ4_XS)
                    ? GgmlType.Q5_K : type;
        }
        if (is(Q2_K)) {
            return GgmlType.Q3_K;
        }
        if (is(IQ3_XXS)) {
            return GgmlType.IQ3_S;
        }
        if (is(Q3_K_M, IQ3_M)) {
            return GgmlType.Q4_K;
        }
        return is(Q3_K_L) ? GgmlType.Q5_K : type;
    }
}
