package dev.kiln.quant.q6_k;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;
import java.nio.file.Path;
import java.util.List;

/**
 * The conformance kit's quant-type contract against Q6_K (golden blocks, dot products and
 * dequantization from ggml, bounds, special rows, threads), plus byte identity with llama-quantize
 * on a real model: the Q6_K tensors of tiny-kquant's Q6_K, Q4_K_M and Q4_0 files (output.weight,
 * and attn_v/ffn_down in the "more bits" layers), made from tiny-kquant-F16.
 */
class Q6KContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q6K();
    }

    @Override
    protected List<LlamaQuantizeOutput> llamaQuantizeOutputs() {
        Path dir = Path.of(System.getProperty("kiln.fixtures", "../fixtures"), "models", "tiny-kquant");
        Path f16 = dir.resolve("tiny-kquant-F16.gguf");
        return List.of(new LlamaQuantizeOutput(f16, dir.resolve("tiny-kquant-Q6_K.gguf")),
                new LlamaQuantizeOutput(f16, dir.resolve("tiny-kquant-Q4_K_M.gguf")),
                new LlamaQuantizeOutput(f16, dir.resolve("tiny-kquant-Q4_0.gguf")));
    }
}
