package dev.kiln.cli;

import dev.kiln.api.format.ModelFile;
import dev.kiln.runtime.Plugins;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kiln info -m FILE [--json]}: a model file's header, metadata and tensor table. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model file's version, alignment, metadata and tensors (like gguf-dump).")
final class InfoCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Plugins> plugins;

    @Inject
    InfoCommand(Provider<Plugins> plugins) {
        this.plugins = plugins;
    }

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "The model file.")
    Path model;

    @Option(names = "--json", description = "Print one JSON object: version, alignment, metadata (arrays in full) and tensors.")
    boolean json;

    @Override
    public Integer call() {
        Plugins plugins = this.plugins.get();
        try (ModelFile file = plugins.open(model)) {
            if (json) {
                kiln.out().println(InfoJson.of(file));
            } else {
                InfoText.print(file, kiln.out());
            }
        }
        kiln.out().flush();
        return 0;
    }
}
