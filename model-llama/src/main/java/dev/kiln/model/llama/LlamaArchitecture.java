package dev.kiln.model.llama;

import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.quant.QuantTypes;
import java.util.List;

/** Runs GGUF files whose {@code general.architecture} is {@code llama}. */
public final class LlamaArchitecture implements ModelArchitecture {

    @Override
    public String name() {
        return LlamaSchema.ARCHITECTURE;
    }

    @Override
    public Model load(ModelFile file, Compute compute, QuantTypes types) {
        LlamaHyperParameters hp = LlamaHyperParameters.read(file);
        LlamaWeights weights = LlamaWeights.bind(file, hp, types);
        return new LlamaModel(hp, weights, compute);
    }

    @Override
    public List<String> presets() {
        return LlamaShapes.ids();
    }

    @Override
    public ModelLayout layout(String preset, int vocabularySize) {
        return LlamaShapes.named(preset).layout(vocabularySize);
    }
}
