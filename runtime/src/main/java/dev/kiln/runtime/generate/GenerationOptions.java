package dev.kiln.runtime.generate;

import java.util.List;

/**
 * Limits and output options of one generation.
 *
 * @param maxTokens the most tokens to generate; negative means until an end token or a full context
 * @param stopStrings generation stops when one of these appears; it is not printed
 * @param printSpecial print the text of control tokens (e.g. {@code </s>}) instead of nothing
 */
public record GenerationOptions(int maxTokens, List<String> stopStrings, boolean printSpecial) {

    public GenerationOptions {
        stopStrings = List.copyOf(stopStrings);
    }

    public static GenerationOptions maxTokens(int n) {
        return new GenerationOptions(n, List.of(), false);
    }
}
