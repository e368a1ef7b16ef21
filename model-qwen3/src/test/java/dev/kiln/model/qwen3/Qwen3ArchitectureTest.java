package dev.kiln.model.qwen3;

import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.conformance.ArchitecturePerplexity;
import dev.kiln.conformance.ArchitectureReference;
import dev.kiln.conformance.ModelArchitectureContract;
import java.nio.file.Path;
import java.util.List;

/**
 * The kit's architecture contract on the tiny random qwen3 models ({@code fixtures/models/qwen3-tiny}:
 * F32, Q8_0 and Q4_0), against llama.cpp's greedy ids (32 per prompt), first two logits and
 * perplexity (within 0.5 %), on both backends. The ids must agree up to llama.cpp's first near
 * tie (top-2 gap below 0.05). The logit tolerances cover the measured differences
 * (fixtures/models/README.md): within 1e-3 in F32, and up to 0.4 in the quantized files where one
 * query or key value falls within float noise of the midpoint between two F16 values, so that it
 * rounds the other way than in llama.cpp.
 */
class Qwen3ArchitectureTest extends ModelArchitectureContract {
    private static final Path DIR = Path.of(System.getProperty("kiln.fixtures"), "models", "qwen3-tiny");

    @Override
    protected ModelArchitecture subject() {
        return new Qwen3Architecture();
    }

    @Override
    protected List<ArchitectureReference> references() {
        return ArchitectureReference.loadTiny(DIR, "qwen3-tiny", 2e-3, 0.5, 0.05);
    }

    @Override
    protected List<ArchitecturePerplexity> perplexities() {
        // the vocabulary adds no BOS
        return ArchitecturePerplexity.load(DIR.resolve("expected"), DIR, 128, -1, 0.005);
    }
}
