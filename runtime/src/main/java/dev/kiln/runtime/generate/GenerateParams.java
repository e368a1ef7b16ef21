package dev.kiln.runtime.generate;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * What one generation may do: how many tokens, how they are sampled, where it stops. Immutable;
 * change one field with the {@code with…} methods.
 *
 * <pre>{@code
 * GenerateParams.greedy(64).withStop("\n")
 * GenerateParams.defaults().withTemperature(0.7f).withSeed(42).withMaxTokens(200)
 * }</pre>
 *
 * @param maxTokens the most tokens to generate; negative means until an end token or a full context
 * @param sampling how each token is chosen (llama-cli's sampler chain)
 * @param stop generation ends when one of these strings appears; it is not part of the text
 * @param printSpecial include the text of control tokens (e.g. {@code </s>}) instead of nothing
 */
public record GenerateParams(int maxTokens, SamplingSettings sampling, List<String> stop, boolean printSpecial) {

    public GenerateParams {
        Objects.requireNonNull(sampling, "sampling is null");
        stop = List.copyOf(stop);
    }

    /** llama-cli's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05) with a random seed, until an end token. */
    public static GenerateParams defaults() {
        return new GenerateParams(-1, SamplingSettings.defaults(new SplittableRandom().nextLong() & 0xffffffffL),
                List.of(), false);
    }

    /** Greedy decoding (always the most likely token) of at most {@code maxTokens} tokens. */
    public static GenerateParams greedy(int maxTokens) {
        return new GenerateParams(maxTokens, SamplingSettings.greedy(), List.of(), false);
    }

    public GenerateParams withMaxTokens(int n) {
        return new GenerateParams(n, sampling, stop, printSpecial);
    }

    public GenerateParams withSampling(SamplingSettings s) {
        return new GenerateParams(maxTokens, s, stop, printSpecial);
    }

    public GenerateParams withTemperature(float t) {
        return withSampling(sampling.withTemperature(t));
    }

    public GenerateParams withSeed(long seed) {
        return withSampling(sampling.withSeed(seed));
    }

    public GenerateParams withStop(String... strings) {
        return new GenerateParams(maxTokens, sampling, List.of(strings), printSpecial);
    }

    public GenerateParams withStop(List<String> strings) {
        return new GenerateParams(maxTokens, sampling, strings, printSpecial);
    }

    public GenerateParams withPrintSpecial(boolean special) {
        return new GenerateParams(maxTokens, sampling, stop, special);
    }

    /** The limits and output options of this generation. */
    public GenerationOptions options() {
        return new GenerationOptions(maxTokens, stop, printSpecial);
    }
}
