package dev.kiln.model.llama;

import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.quant.QuantTypes;

/** Runs GGUF files whose {@code general.architecture} is {@code llama}. */
public final class LlamaArchitecture implements ModelArchitecture {

    @Override
    public String name() {
        return "llama";
    }

    @Override
    public Model load(ModelFile file, Compute compute, QuantTypes types) {
        LlamaHyperParameters hp = LlamaHyperParameters.read(file);
        LlamaWeights weights = LlamaWeights.bind(file, hp, types);
        return new LlamaModel(hp, weights, compute);
    }
}
