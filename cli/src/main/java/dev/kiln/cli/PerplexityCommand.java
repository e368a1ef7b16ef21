package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.Perplexity;
import dev.kiln.runtime.io.InputFiles;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln perplexity}: llama-perplexity's method (see {@link Perplexity}). Progress goes to
 * stderr as {@code [1]4.1234,[2]…}; the last line of stdout is {@code PPL = X.XXXX +/- Y.YYYY} (the contract; llama.cpp prints five decimals for the error).
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity of a model on a text file, the way llama-perplexity computes it.")
final class PerplexityCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Kiln> engine;

    @Inject
    PerplexityCommand(Provider<Kiln> engine) {
        this.engine = engine;
    }

    @Mixin
    ComputeOptions compute;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "The model file (default: the embedded stories260K).")
    Path model;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "TEXTFILE", description = "UTF-8 text to score.")
    Path textFile;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "CTX", converter = Ranges.ChunkLength.class, description = "Chunk (context) length in tokens (default: ${DEFAULT-VALUE}).")
    int ctx = 512;

    @Option(names = "--chunks", paramLabel = "N", converter = Ranges.CountOrUnlimited.class, description = "Score at most N chunks; -1 for all (default: ${DEFAULT-VALUE}).")
    int chunks = -1;

    @Override
    public Integer call() {
        String text = readText(textFile);
        PrintWriter err = kiln.err();
        try (KilnModel m = engine.get().open(KilnCommand.modelOrDefault(model), compute.modelOptions(0))) {
            err.println("kiln: " + m.describe());
            ContextSize.warnIfBeyondTrained(ctx, m.trainedContextLength(), err);
            // llama-perplexity: tokenize the whole text with BOS, special-token text not parsed
            int[] tokens = m.tokenize(text, true, false);
            err.println(String.format(Locale.ROOT, "kiln: %d tokens, %d chunks of %d", tokens.length,
                    chunks > 0 ? Math.min(chunks, tokens.length / Math.max(ctx, 1)) : tokens.length / Math.max(ctx, 1), ctx));
            err.flush();
            long t0 = System.nanoTime();
            Perplexity.Result result = Perplexity.compute(m.model(), tokens, ctx, m.tokenizer().bos(),
                    Math.max(chunks, 0), (done, total, ppl) -> {
                        err.print(String.format(Locale.ROOT, "[%d]%.4f,", done, ppl));
                        err.flush();
                    });
            err.println();
            err.println(String.format(Locale.ROOT, "kiln: %d tokens scored in %.1f s", result.scored(),
                    (System.nanoTime() - t0) / 1e9));
            err.flush();
            kiln.out().println(result);
            kiln.out().flush();
        }
        return 0;
    }

    private static String readText(Path file) {
        InputFiles.requireStream(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new KilnException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new KilnException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
