package dev.kiln.cli;

import dev.kiln.api.format.ModelFile;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.Plugins;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln tokenize -m FILE [--no-bos] [--special] TEXT}: the token ids of TEXT on one line.
 * Needs only the file's tokenizer metadata, so vocab-only GGUFs work; a tokenizer model or
 * pre-tokenizer Kiln does not implement is refused by the tokenizer plugin, by name.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of TEXT, space-separated, on one line.")
final class TokenizeCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Plugins> plugins;

    @Inject
    TokenizeCommand(Provider<Plugins> plugins) {
        this.plugins = plugins;
    }

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "A model or vocab-only file.")
    Path model;

    @Option(names = "--no-bos", description = "Do not add BOS (or EOS) as the vocabulary would.")
    boolean noBos;

    @Option(names = "--special", description = "Turn the text of special tokens (e.g. <s>, <|eot_id|>) into their ids.")
    boolean special;

    @Parameters(index = "0", paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Override
    public Integer call() {
        Plugins plugins = this.plugins.get();
        try (ModelFile file = plugins.open(model)) {
            Tokenizer tokenizer = plugins.tokenizer(file.metadata());
            int[] ids = tokenizer.encode(text, !noBos, special);
            kiln.out().println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
            kiln.out().flush();
        }
        return 0;
    }
}
