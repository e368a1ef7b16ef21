package dev.kiln.runtime.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * llama-quantize's rules (llama.cpp c392e50 llama_tensor_get_type) on shapes the quant-mix and
 * tiny-kquant fixtures do not reach: many layers, tied embeddings, a 70B, fused qkv, experts,
 * rows no type fits. The fixtures check the common cases against llama-quantize's own output.
 */
class QuantMixTest {

    /** A Llama-shaped model: {@code layers} blocks of the seven matrices and two norms, rows of {@code embd}. */
    private static List<QuantMix.Tensor> llama(int layers, long embd, long ff, boolean output) {
        List<QuantMix.Tensor> t = new ArrayList<>();
        t.add(new QuantMix.Tensor("token_embd.weight", new long[] {embd, 1000}));
        t.add(new QuantMix.Tensor("output_norm.weight", new long[] {embd}));
        if (output) {
            t.add(new QuantMix.Tensor("output.weight", new long[] {embd, 1000}));
        }
        for (int i = 0; i < layers; i++) {
            for (String m : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up")) {
                t.add(new QuantMix.Tensor("blk." + i + "." + m + ".weight", new long[] {embd, m.startsWith("ffn") ? ff : embd}));
            }
            t.add(new QuantMix.Tensor("blk." + i + ".ffn_down.weight", new long[] {ff, embd}));
            t.add(new QuantMix.Tensor("blk." + i + ".attn_norm.weight", new long[] {embd}));
            t.add(new QuantMix.Tensor("blk." + i + ".ffn_norm.weight", new long[] {embd}));
        }
        return t;
    }

    private static Map<String, GgmlType> choose(FileType f, QuantMix.Model m, List<QuantMix.Tensor> tensors) {
        Map<String, GgmlType> types = new HashMap<>();
        QuantMix.choose(f, m, tensors).forEach(c -> types.put(c.tensor(), c.type()));
        return types;
    }

    private static String layersIn(Map<String, GgmlType> types, String role, GgmlType type, int layers) {
        StringBuilder s = new StringBuilder();
        IntStream.range(0, layers).filter(i -> types.get("blk." + i + "." + role + ".weight") == type)
                .forEach(i -> s.append(i).append(' '));
        return s.toString().trim();
    }

    @Test
    void more_bits_layers_of_a_22_layer_model() {
        // TinyLlama's 22 layers: n/8 = 2, 7n/8 = 19, then every third from layer 4
        Map<String, GgmlType> t = choose(FileType.Q4_K_M, new QuantMix.Model("llama", 22, 32, 4, 0), llama(22, 2048, 5632, true));
        assertEquals("0 1 4 7 10 13 16 19 20 21", layersIn(t, "ffn_down", GgmlType.Q6_K, 22));
        assertEquals("0 1 4 7 10 13 16 19 20 21", layersIn(t, "attn_v", GgmlType.Q6_K, 22));
        assertEquals(GgmlType.Q4_K, t.get("blk.2.ffn_down.weight"));
    }

    @Test
    void layers_are_counted_in_block_order_not_name_order() {
        // 12 layers: 0, then (i - 1) % 3 == 2 (3, 6, 9), then 10 and 11; "blk.10" sorts after "blk.9"
        List<QuantMix.Tensor> tensors = new ArrayList<>(llama(12, 4096, 11008, true));
        java.util.Collections.shuffle(tensors, new java.util.Random(1));
        Map<String, GgmlType> t = choose(FileType.Q5_K_M, new QuantMix.Model("llama", 12, 32, 8, 0), tensors);
        assertEquals("0 3 6 9 10 11", layersIn(t, "attn_v", GgmlType.Q6_K, 12));
        assertEquals("0 3 6 9 10 11", layersIn(t, "ffn_down", GgmlType.Q6_K, 12));
    }

    @Test
    void a_tied_embedding_gets_the_output_type() {
        QuantMix.Model m = new QuantMix.Model("qwen2", 24, 14, 2, 0);
        assertEquals(GgmlType.Q6_K, choose(FileType.Q4_K_M, m, llama(24, 1024, 4864, false)).get("token_embd.weight"));
        assertEquals(GgmlType.Q4_K, choose(FileType.Q4_K_M, m, llama(24, 1024, 4864, true)).get("token_embd.weight"));
        assertEquals(GgmlType.Q8_0, choose(FileType.Q8_0, m, llama(24, 1024, 4864, false)).get("token_embd.weight"));
    }

    @Test
    void qwen_05b_shapes_take_q8_0_output_and_q5_0_fallbacks() {
        // Qwen2.5-0.5B: 896 is not a multiple of 256, so the tied output is Q8_0 and 896-wide rows fall back
        Map<String, GgmlType> t = choose(FileType.Q4_K_M, new QuantMix.Model("qwen2", 24, 14, 2, 0), llama(24, 896, 4864, false));
        assertEquals(GgmlType.Q8_0, t.get("token_embd.weight"));
        assertEquals(GgmlType.Q5_0, t.get("blk.5.attn_q.weight"));
        assertEquals(GgmlType.Q4_K, t.get("blk.4.ffn_down.weight"));
        assertEquals(GgmlType.Q6_K, t.get("blk.5.ffn_down.weight"));
        assertEquals(GgmlType.Q8_0, t.get("blk.0.attn_v.weight"));
    }

    @Test
    void a_fallback_that_does_not_fit_is_f16_and_a_type_without_one_is_refused() {
        QuantMix.Model m = new QuantMix.Model("llama", 1, 1, 1, 0);
        List<QuantMix.Choice> c = QuantMix.choose(FileType.Q4_K_M, m,
                List.of(new QuantMix.Tensor("blk.0.ffn_up.weight", new long[] {48, 8})));
        assertEquals(GgmlType.F16, c.getFirst().type());
        assertEquals(GgmlType.Q4_K, c.getFirst().wanted());
        assertTrue(c.getFirst().fellBack());
        KilnException e = assertThrows(KilnException.class, () -> QuantMix.choose(FileType.Q8_0, m,
                List.of(new QuantMix.Tensor("blk.0.ffn_down.weight", new long[] {172, 64}))));
        assertTrue(e.getMessage().startsWith("blk.0.ffn_down.weight: rows of 172 elements are not a multiple of Q8_0's"), e::getMessage);
    }

    @Test
    void a_70b_gives_attn_v_five_bits() {
        Map<String, GgmlType> t = choose(FileType.Q3_K_S, new QuantMix.Model("llama", 80, 64, 8, 0), llama(80, 8192, 28672, true));
        assertEquals(GgmlType.Q5_K, t.get("blk.40.attn_v.weight"));
        assertEquals(GgmlType.Q3_K, t.get("blk.40.attn_k.weight"));
        Map<String, GgmlType> notGqa = choose(FileType.Q3_K_S, new QuantMix.Model("llama", 80, 64, 64, 0), llama(80, 8192, 28672, true));
        assertEquals(GgmlType.Q3_K, notGqa.get("blk.40.attn_v.weight"), "65B: no GQA, not a 70B");
    }

    @Test
    void fused_qkv_and_experts() {
        QuantMix.Model phi3 = new QuantMix.Model("phi3", 32, 32, 32, 0);
        List<QuantMix.Tensor> qkv = List.of(new QuantMix.Tensor("blk.0.attn_qkv.weight", new long[] {3072, 9216}));
        assertEquals(GgmlType.Q5_K, choose(FileType.Q4_K_M, phi3, qkv).get("blk.0.attn_qkv.weight"));
        assertEquals(GgmlType.Q6_K, choose(FileType.Q5_K_M, phi3, qkv).get("blk.0.attn_qkv.weight"));

        QuantMix.Model mixtral = new QuantMix.Model("llama", 32, 32, 8, 8);
        List<QuantMix.Tensor> moe = List.of(
                new QuantMix.Tensor("blk.0.attn_v.weight", new long[] {4096, 1024}),
                new QuantMix.Tensor("blk.0.attn_k.weight", new long[] {4096, 1024}),
                new QuantMix.Tensor("blk.0.attn_output.weight", new long[] {4096, 4096}),
                new QuantMix.Tensor("blk.5.ffn_down_exps.weight", new long[] {14336, 4096, 8}));
        Map<String, GgmlType> t = choose(FileType.Q4_K_M, mixtral, moe);
        assertEquals(GgmlType.Q8_0, t.get("blk.0.attn_v.weight"));
        assertEquals(GgmlType.Q8_0, t.get("blk.0.attn_k.weight"));
        assertEquals(GgmlType.Q5_K, t.get("blk.0.attn_output.weight"));
        // the layer is the one named (5), not the count (0): 5 is not a more-bits layer of 32
        assertEquals(GgmlType.Q4_K, t.get("blk.5.ffn_down_exps.weight"));
        assertThrows(KilnException.class, () -> QuantMix.choose(FileType.Q4_K_M, mixtral,
                List.of(new QuantMix.Tensor("blk.40.ffn_down_exps.weight", new long[] {14336, 4096, 8}))));
    }

    @Test
    void low_bit_mixes_raise_the_embedding_and_output() {
        Map<String, GgmlType> t = choose(FileType.IQ2_M, new QuantMix.Model("llama", 16, 32, 8, 0), llama(16, 2048, 8192, true));
        assertEquals(GgmlType.IQ3_S, t.get("token_embd.weight"));
        assertEquals(GgmlType.Q5_K, t.get("output.weight"));
        assertEquals(GgmlType.Q4_K, t.get("blk.3.attn_v.weight"));
        assertEquals("0 1", layersIn(t, "ffn_down", GgmlType.IQ3_S, 16));
        assertEquals(GgmlType.IQ2_S, t.get("blk.3.ffn_up.weight"));
    }

    @Test
    void a_float_file_type_puts_every_matrix_in_it() {
        Map<String, GgmlType> t = choose(FileType.F16, new QuantMix.Model("llama", 2, 4, 2, 0), llama(2, 100, 172, true));
        assertEquals(GgmlType.F16, t.get("output.weight"));
        assertEquals(GgmlType.F16, t.get("blk.1.ffn_down.weight"));
        assertFalse(t.containsKey("blk.1.ffn_norm.weight"));
    }

    @Test
    void what_llama_cpp_does_not_quantize() {
        assertFalse(QuantMix.quantizable(new QuantMix.Tensor("blk.0.attn_norm.weight", new long[] {64, 64})));
        assertFalse(QuantMix.quantizable(new QuantMix.Tensor("blk.0.attn_q.weight", new long[] {64, 1})), "ggml_n_dims is 1");
        assertFalse(QuantMix.quantizable(new QuantMix.Tensor("blk.0.attn_q.bias", new long[] {64, 64})));
        assertFalse(QuantMix.quantizable(new QuantMix.Tensor("position_embd.weight", new long[] {64, 64})));
        assertFalse(QuantMix.quantizable(new QuantMix.Tensor("blk.0.ffn_gate_inp.weight", new long[] {64, 8})));
        assertTrue(QuantMix.quantizable(new QuantMix.Tensor("blk.0.ffn_up_exps.weight", new long[] {64, 64, 8})));
    }

    @Test
    void llama_cpp_loader_order() {
        List<String> names = new ArrayList<>(List.of("blk.10.attn_q.weight", "blk.2.ffn_up.weight", "token_embd.weight",
                "blk.2.attn_k.weight", "output.weight", "blk.9.attn_q.weight", "output_norm.weight"));
        names.sort(TensorOrder.LLAMA);
        assertEquals(List.of("output.weight", "output_norm.weight", "token_embd.weight", "blk.2.attn_k.weight",
                "blk.2.ffn_up.weight", "blk.9.attn_q.weight", "blk.10.attn_q.weight"), names);
        assertEquals(-1, TensorOrder.layerOf("blk.x.weight"));
    }

    @Test
    void file_type_names_and_bases() {
        assertEquals(FileType.Q4_K_M, FileType.parse("q4_k"));
        assertEquals(FileType.Q5_K_S, FileType.parse("Q5_K_S"));
        assertEquals(15, FileType.parse("Q4_K_M").id());
        assertEquals(GgmlType.IQ2_XS, FileType.IQ2_S.base(), "llama-quantize's default_type for IQ2_S");
        KilnException e = assertThrows(KilnException.class, () -> FileType.parse("Q9_9"));
        assertTrue(e.getMessage().contains("Q9_9") && e.getMessage().contains("IQ4_XS"), e::getMessage);
    }
}
