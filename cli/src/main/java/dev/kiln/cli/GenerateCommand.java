package dev.kiln.cli;

import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.SamplingSettings;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln generate}: continues a prompt. Only the continuation goes to stdout, streamed;
 * load time and speeds go to stderr (like llama-cli {@code -no-cnv}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt: stream the generated text to stdout, timings to stderr.")
final class GenerateCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Kiln> engine;

    @Inject
    GenerateCommand(Provider<Kiln> engine) {
        this.engine = engine;
    }

    @Mixin
    ComputeOptions compute;

    @Mixin
    SamplingOptions sampling;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "The model file (default: the embedded stories260K, <kiln home>/models/stories260K.gguf).")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", converter = Ranges.CountOrUnlimited.class,
            description = "Tokens to generate; -1 until an end token or a full context (default: ${DEFAULT-VALUE}).")
    int tokens = 128;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", converter = Ranges.Positive.class,
            description = "Context (KV cache) size (default: prompt + N, at most the model's context).")
    Integer contextSize;

    @Option(names = "--stop", paramLabel = "STRING", description = "Stop when this text appears (not printed); repeatable.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--special", description = "Print the text of special (control) tokens.")
    boolean special;

    @Override
    public Integer call() {
        PrintWriter err = kiln.err();
        PrintWriter out = kiln.out();
        SamplingSettings settings = sampling.settings();
        ModelOptions options = compute.modelOptions(contextSize == null ? 0 : contextSize);
        try (KilnModel m = engine.get().open(KilnCommand.modelOrDefault(model), options)) {
            err.println("kiln: " + m.describe());
            if (contextSize != null) {
                ContextSize.warnIfBeyondTrained(contextSize, m.trainedContextLength(), err);
            }
            if (!settings.isGreedy()) {
                err.println("kiln: seed " + settings.seed());
            }
            err.flush();
            GenerateParams params = new GenerateParams(tokens, settings, stops, special);
            Completion stats = m.generate(prompt, params, text -> {
                out.print(text);
                out.flush();
            });
            // stdout holds exactly the continuation; the newline that ends the terminal line goes to stderr
            err.println();
            err.println(String.format(Locale.ROOT,
                    "kiln: prompt %d tokens in %.1f ms (%.2f tokens/s); generated %d tokens in %.1f ms (%.2f tokens/s); stop: %s",
                    stats.promptTokens(), stats.promptNanos() / 1e6, stats.promptTokensPerSecond(),
                    stats.generatedTokens(), stats.generationNanos() / 1e6, stats.generationTokensPerSecond(),
                    stats.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' ')));
            err.flush();
        }
        return 0;
    }
}
