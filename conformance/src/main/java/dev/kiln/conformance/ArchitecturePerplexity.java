package dev.kiln.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A reference implementation's perplexity of one model file on a text, by llama-perplexity's
 * method, for {@link ModelArchitectureContract}: chunks of {@code context} tokens (the first
 * replaced by BOS when {@code bos >= 0}), each from an empty cache, the logits at positions
 * {@code context/2 .. context-2} scored against the next token.
 *
 * @param name names the case in check names and messages
 * @param model the model file
 * @param tokens the text's token ids as the reference tokenized it
 * @param context the chunk length (llama-perplexity's {@code -c})
 * @param bos the id that replaces each chunk's first token, or -1 to keep it
 * @param expected the reference's perplexity
 * @param scored how many tokens the reference scored
 * @param relativeTolerance the largest |PPL / expected − 1| accepted
 */
public record ArchitecturePerplexity(String name, Path model, int[] tokens, int context, int bos, double expected, int scored,
                                     double relativeTolerance) {

    public ArchitecturePerplexity {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(model, "model is null");
        tokens = tokens.clone();
        if (context < 4 || tokens.length < context) {
            throw new IllegalArgumentException(name + ": " + tokens.length + " tokens do not fill a chunk of " + context);
        }
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /**
     * The cases of {@code ppl.expected.txt} in {@code dir} as Kiln's
     * {@code tools/llamacpp_model_reference.mjs} writes it ({@code M | PPL | scored} lines, chunks of
     * {@code context}), with the tokens of {@code M.ppl.tokens.txt} and the model {@code M.gguf} in
     * {@code models}.
     */
    public static List<ArchitecturePerplexity> load(Path dir, Path models, int context, int bos, double relativeTolerance) {
        List<ArchitecturePerplexity> cases = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve("ppl.expected.txt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("ppl.expected.txt"), e);
        }
        for (String line : lines) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] cols = line.split("\\|");
            String m = cols[0].trim();
            cases.add(new ArchitecturePerplexity(m + " perplexity", models.resolve(m + ".gguf"),
                    ArchitectureReference.ids(dir.resolve(m + ".ppl.tokens.txt")), context, bos,
                    Double.parseDouble(cols[1].trim()), Integer.parseInt(cols[2].trim()), relativeTolerance));
        }
        return cases;
    }
}
