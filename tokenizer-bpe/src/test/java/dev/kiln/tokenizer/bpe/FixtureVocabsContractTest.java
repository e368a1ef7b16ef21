package dev.kiln.tokenizer.bpe;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.conformance.Check;
import dev.kiln.conformance.TokenizerContract;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The tokenizer contract on every tokenizer configuration added for Qwen, SmolLM, Mistral-Nemo,
 * Phi-3 and Gemma: one container of the kit's checks per vocabulary (and pre-tokenizer).
 */
class FixtureVocabsContractTest {
    /** vocabulary fixture, tokenizer.ggml.pre override (null: the file's own) */
    private static final List<List<String>> CONFIGURATIONS = List.of(
            List.of("vocab/ggml-vocab-qwen2.gguf"),
            List.of("vocab/ggml-vocab-starcoder.gguf"),
            List.of("vocab/ggml-vocab-starcoder.gguf", "smollm"),
            List.of("vocab/ggml-vocab-mistral-nemo.gguf"),
            List.of("vocab/ggml-vocab-phi-3.gguf"),
            List.of("vocab/ggml-vocab-gemma2.gguf"),
            List.of("vocab/ggml-vocab-gemma3.gguf"));

    @TestFactory
    Stream<DynamicNode> contractOnEveryConfiguration() {
        return CONFIGURATIONS.stream().map(c -> {
            String pre = c.size() > 1 ? c.get(1) : null;
            Tokenizer t = Fixtures.variant(c.getFirst(), pre, null);
            return DynamicContainer.dynamicContainer(c.getFirst() + (pre == null ? "" : " pre=" + pre),
                    TokenizerContract.checks(t).stream().map(Check::toDynamicTest));
        });
    }
}
