package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.runtime.PluginKind;
import dev.kiln.runtime.Plugins;
import dev.kiln.runtime.io.OutputFile;
import dev.kiln.runtime.quantize.QuantMix;
import dev.kiln.runtime.synth.SyntheticModel;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln synth}: a model file with random weights at a real model's dimensions, for
 * benchmarks anyone can reproduce without a download. The architecture plugin lays the model out
 * ({@code --arch}, {@code --shape}); {@link SyntheticModel} fills and writes it.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight GGUF at a real model's dimensions.")
final class SynthCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Plugins> plugins;

    @Inject
    SynthCommand(Provider<Plugins> plugins) {
        this.plugins = plugins;
    }

    @Option(names = "--arch", paramLabel = "ARCH", description = "The architecture (default: ${DEFAULT-VALUE}).")
    String arch = "llama";

    @Option(names = "--shape", required = true, paramLabel = "SHAPE",
            description = "A shape of the architecture, e.g. tinyllama-1.1b, llama-3.2-1b or small for llama.")
    String shape;

    @Option(names = "--type", required = true, paramLabel = "TYPE",
            description = "F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K (any quant plugin's type) or Q4_K_M.")
    String type;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The GGUF file to write.")
    Path output;

    @Option(names = "--vocab", paramLabel = "FILE",
            description = "Vocab GGUF whose tokenizer.ggml.* keys are copied (default: the shape's fixture in <kiln home>/fixtures/vocab).")
    Path vocab;

    @Option(names = "--pure", description = "Every matrix in TYPE (no Q6_K output, no Q4_K_M mix).")
    boolean pure;

    @Option(names = "--std", paramLabel = "S", converter = Ranges.NonNegativeDouble.class, description = "Standard deviation of the weights (default: ${DEFAULT-VALUE}).")
    double std = 0.02;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 1234;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", converter = Ranges.Positive.class,
            description = "Tensors written at once (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--force", description = "Replace FILE if it exists (atomically, keeping its permissions).")
    boolean force;

    @Override
    public Integer call() {
        int writers = ThreadCount.capped(threads, kiln.err());
        QuantMix mix = QuantMix.parse(type, pure);
        Plugins plugins = this.plugins.get();
        ModelArchitecture architecture = plugins.architectures().stream().filter(a -> a.name().equals(arch)).findFirst()
                .orElseThrow(() -> new KilnException("unknown architecture '" + arch + "'; supported: "
                        + plugins.names(PluginKind.ARCHITECTURE)));
        if (architecture.presets().isEmpty()) {
            throw new KilnException("the " + arch + " architecture has no synthetic shapes");
        }
        if (architecture.presets().stream().noneMatch(p -> p.equalsIgnoreCase(shape.trim()))) {
            throw new KilnException("unknown " + arch + " shape '" + shape + "'; known: " + String.join(", ", architecture.presets()));
        }
        PrintWriter err = kiln.err();
        long t0 = System.nanoTime();
        // the vocabulary's size shapes the embedding, so the vocab file is opened before the layout is made
        ModelLayout probe = architecture.layout(shape, 1);
        Path vocabFile = vocab != null ? vocab : defaultVocab(probe.vocabulary());
        try (ModelFile v = plugins.open(vocabFile); OutputFile out = OutputFile.prepare(output, force, List.of(vocabFile))) {
            int vocabSize = v.metadata().getStringArray("tokenizer.ggml.tokens").length;
            SyntheticModel model = new SyntheticModel(architecture.layout(shape, vocabSize), mix, std, seed);
            err.println(String.format(Locale.ROOT, "kiln: writing %s: %s %s shape, %s, %d tensors, %.2f G parameters, vocabulary %d from %s",
                    output, arch, probe.preset(), mix.name() + (pure ? " (pure)" : ""), model.layout().tensors().size(),
                    model.parameters() / 1e9, vocabSize, vocabFile.getFileName()));
            err.flush();
            AtomicLong done = new AtomicLong();
            ModelWriter writer = plugins.format("gguf").create(out.partial());
            model.addTo(writer, v, plugins.quantTypeTable(), n -> {
                long now = done.addAndGet(n);
                if (kiln.verbose()) {
                    synchronized (err) {
                        err.println(String.format(Locale.ROOT, "kiln: %5.1f%%", 100.0 * now / model.parameters()));
                        err.flush();
                    }
                }
            });
            out.writeAndCommit(() -> writer.write(writers));
        }
        err.println(String.format(Locale.ROOT, "kiln: wrote %s (%.1f MiB) in %.1f s", output, size(output) / 1048576.0,
                (System.nanoTime() - t0) / 1e9));
        err.flush();
        return 0;
    }

    private Path defaultVocab(String fixture) {
        Path home = KilnCommand.home().resolve("fixtures").resolve("vocab").resolve(fixture);
        if (Files.exists(home)) {
            return home;
        }
        String fixtures = System.getProperty("kiln.fixtures");
        if (fixtures != null && Files.exists(Path.of(fixtures, "vocab", fixture))) {
            return Path.of(fixtures, "vocab", fixture);
        }
        throw new KilnException("no vocab file " + home + "; give one with --vocab");
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
