package dev.kiln.examples.embed;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import java.nio.file.Path;

/**
 * Loads a GGUF model with Kiln's library API and prints the greedy continuation of a prompt:
 * {@code Embed MODEL.gguf [PROMPT] [TOKENS]} (prompt "Once upon a time", 128 tokens by default).
 * The continuation goes to stdout as it is generated; the figures go to stderr.
 */
public final class Embed {
    private Embed() {
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: Embed MODEL.gguf [PROMPT] [TOKENS]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        String prompt = args.length > 1 ? args[1] : "Once upon a time";
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 128;

        try (KilnModel model = Kiln.load(file, ModelOptions.defaults())) {
            Completion c = model.generate(prompt, GenerateParams.greedy(tokens), piece -> {
                System.out.print(piece);
                System.out.flush();
            });
            System.err.printf("%n%s: %d tokens (%s), %.1f tokens/s on the %s backend%n",
                    model.id(), c.generatedTokens(), c.stopReason(), c.generationTokensPerSecond(), model.backendName());
        } catch (KilnException e) {
            System.err.println("embed: " + e.getMessage());
            System.exit(1);
        }
        if (System.out.checkError()) {
            System.err.println("embed: writing to stdout failed");
            System.exit(1);
        }
    }
}
