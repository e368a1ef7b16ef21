package dev.kiln.model.llama;

import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.conformance.ArchitecturePerplexity;
import dev.kiln.conformance.ArchitectureReference;
import dev.kiln.conformance.ModelArchitectureContract;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kit's architecture contract for llama on both backends, against llama.cpp's greedy ids for
 * stories260K (F32, Q8_0, Q4_0; 128 ids per prompt) and its F32 logits at the first 4 steps
 * (fixtures/models/README.md). As in {@link StoriesGreedyTest}: p2 on Q4_0 leaves llama.cpp's
 * path at token 63, where llama.cpp's own top-2 gap is 0.0115. And the tiny random llama models of
 * {@code fixtures/models/llama-tiny} (SmolLM2's and Mistral-Nemo's blocks, F32 and Q8_0) on cuts of
 * the vocabularies with pre-tokenizers {@code smollm} and {@code tekken}: llama.cpp's greedy ids (up to
 * its first top-2 gap below 0.05), first two logits and perplexity (within 0.5 %).
 */
class LlamaArchitectureTest extends ModelArchitectureContract {

    @Override
    protected ModelArchitecture subject() {
        return new LlamaArchitecture();
    }

    @Override
    protected List<ArchitectureReference> references() {
        Path models = FixtureModels.models();
        List<ArchitectureReference> refs = new ArrayList<>();
        for (String variant : List.of("F32", "Q8_0", "Q4_0")) {
            Path model = models.resolve(variant.equals("F32") ? "stories260K.gguf" : "stories260K-" + variant + ".gguf");
            for (String prompt : List.of("p1", "p2", "p3")) {
                Path dir = models.resolve("stories260K.expected").resolve(prompt);
                List<float[]> logits = variant.equals("F32")
                        ? ArchitectureReference.logits(dir.resolve("llamacpp_F32_logits_first4.txt")) : List.of();
                ArchitectureReference r = new ArchitectureReference("stories260K " + variant + " " + prompt, model,
                        ArchitectureReference.ids(dir.resolve("prompt_ids.txt")),
                        ArchitectureReference.ids(dir.resolve("llamacpp_" + variant + "_gen_ids.txt")), logits, 5e-3);
                refs.add(variant.equals("Q4_0") && prompt.equals("p2") ? r.firstIds(63) : r);
            }
        }
        Path tiny = models.resolve("llama-tiny");
        refs.addAll(ArchitectureReference.loadAll(tiny.resolve("expected"), TINY.stream().map(m -> tiny.resolve(m + ".gguf")).toList(),
                List.of("p1", "p2", "p3"), model -> model.getFileName().toString().contains("F32") ? 2e-3 : 0.5, 0.05));
        return refs;
    }

    private static final List<String> TINY = List.of("llama-tiny-smollm-F32", "llama-tiny-smollm-Q8_0", "llama-tiny-tekken-F32",
            "llama-tiny-tekken-Q8_0");
    /** The tekken cut's BOS, which llama.cpp adds (the smollm vocabulary adds none). */
    private static final int TEKKEN_BOS = 1020;

    @Override
    protected List<ArchitecturePerplexity> perplexities() {
        Path tiny = FixtureModels.models().resolve("llama-tiny");
        return ArchitecturePerplexity.load(tiny.resolve("expected"), tiny, 128, -1, 0.005).stream()
                .map(p -> p.name().contains("tekken") ? new ArchitecturePerplexity(p.name(), p.model(), p.tokens(), p.context(),
                        TEKKEN_BOS, p.expected(), p.scored(), p.relativeTolerance()) : p)
                .toList();
    }
}
