package dev.kiln.model.qwen2;

import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.conformance.ArchitectureReference;
import dev.kiln.conformance.ModelArchitectureContract;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kit's architecture contract on the tiny random qwen2 models ({@code fixtures/models/qwen2-tiny}:
 * F32, Q8_0 and Q4_0), against llama.cpp's greedy ids (32 per prompt) and first two logits, on
 * both backends. The ids must agree up to llama.cpp's first near tie (top-2 gap below 0.05). The
 * logit tolerances cover the measured differences (fixtures/models/README.md): within 1e-3 in
 * F32, and up to 0.4 in the quantized files where one query or key value falls within float noise
 * of the midpoint between two F16 values, so that it rounds the other way than in llama.cpp.
 */
class Qwen2ArchitectureTest extends ModelArchitectureContract {

    static Path fixture(String variant) {
        return Path.of(System.getProperty("kiln.fixtures"), "models", "qwen2-tiny", "qwen2-tiny-" + variant + ".gguf");
    }

    @Override
    protected ModelArchitecture subject() {
        return new Qwen2Architecture();
    }

    @Override
    protected List<ArchitectureReference> references() {
        List<ArchitectureReference> refs = new ArrayList<>();
        for (String variant : List.of("F32", "Q8_0", "Q4_0")) {
            for (String prompt : List.of("p1", "p2", "p3")) {
                Path model = fixture(variant);
                refs.add(ArchitectureReference.load(model.resolveSibling("expected"), model, prompt,
                        variant.equals("F32") ? 2e-3 : 0.5, 0.05));
            }
        }
        return refs;
    }
}
