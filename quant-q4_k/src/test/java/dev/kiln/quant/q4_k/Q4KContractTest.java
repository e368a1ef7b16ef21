package dev.kiln.quant.q4_k;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;
import java.nio.file.Path;
import java.util.List;

/**
 * The conformance kit's quant-type contract against Q4_K (golden blocks, dot products and
 * dequantization from ggml, bounds, special rows, threads), plus byte identity with llama-quantize
 * on a real model: the Q4_K tensors of tiny-kquant-Q4_K_M, made from tiny-kquant-F16.
 */
class Q4KContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q4K();
    }

    @Override
    protected List<LlamaQuantizeOutput> llamaQuantizeOutputs() {
        Path dir = Path.of(System.getProperty("kiln.fixtures", "../fixtures"), "models", "tiny-kquant");
        return List.of(new LlamaQuantizeOutput(dir.resolve("tiny-kquant-F16.gguf"), dir.resolve("tiny-kquant-Q4_K_M.gguf")));
    }
}
