package dev.kiln.quant.q3_k;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;
import java.nio.file.Path;
import java.util.List;

/**
 * The conformance kit's quant-type contract against Q3_K, plus byte identity with llama-quantize on a real
 * model: every such tensor of llama-quantize's nine mixes of quant-mix-F16 (digests in fixtures/models/quant-mix).
 */
class Q3KContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q3K();
    }

    @Override
    protected List<LlamaQuantizeDigest> llamaQuantizeDigests() {
        Path dir = Path.of(System.getProperty("kiln.fixtures", "../fixtures"), "models", "quant-mix");
        return List.of(new LlamaQuantizeDigest(dir.resolve("quant-mix-F16.gguf"), dir.resolve("digest.json")));
    }
}
