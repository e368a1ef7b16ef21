package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.runtime.PluginKind;
import dev.kiln.runtime.Plugins;
import dev.kiln.runtime.io.OutputFile;
import dev.kiln.runtime.quantize.FileType;
import dev.kiln.runtime.quantize.ModelQuantizer;
import dev.kiln.runtime.quantize.QuantizePlan;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln quantize IN OUT TYPE [-t N]}: converts the weight matrices of an F32/F16/BF16 model
 * to any quant-type plugin's type, with llama-quantize {@code --pure} semantics (see
 * {@link QuantizePlan}): metadata copied, {@code general.file_type} set, a progress bar on stderr,
 * tensors quantized on {@code N} threads.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize an F32/F16/BF16 model's weight matrices to TYPE (llama-quantize --pure semantics).")
final class QuantizeCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Plugins> plugins;

    @Inject
    QuantizeCommand(Provider<Plugins> plugins) {
        this.plugins = plugins;
    }

    @Parameters(index = "0", paramLabel = "IN", description = "The F32/F16/BF16 model.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "The quantized model to write.")
    Path output;

    @Parameters(index = "2", paramLabel = "TYPE", description = "Target type: any quant plugin's name, e.g. Q8_0, Q4_K.")
    String typeName;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", converter = Ranges.Positive.class, description = "Tensors quantized at once (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--force", description = "Replace OUT if it exists (atomically, keeping its permissions).")
    boolean force;

    @Override
    public Integer call() {
        int threads = ThreadCount.capped(this.threads, kiln.err());
        Plugins plugins = this.plugins.get();
        QuantTypes types = plugins.quantTypeTable();
        QuantType target = plugins.quantType(typeName).orElseThrow(() -> new KilnException(
                "no quant-type plugin named '" + typeName + "' (available: " + plugins.names(PluginKind.QUANT) + ")"));
        PrintWriter err = kiln.err();
        ModelFormat format = plugins.formatFor(input);
        long start = System.nanoTime();
        try (OutputFile out = OutputFile.prepare(output, force, List.of(input)); ModelFile in = plugins.open(input)) {
            QuantizePlan plan = QuantizePlan.of(in, target, types);
            plan.notes().forEach(n -> err.println("kiln: " + n));
            ProgressBar progress = new ProgressBar(err, plan.totalElements());
            ModelWriter writer = format.create(out.partial());
            ModelQuantizer.addTo(writer, in, plan, FileType.of(target.ggmlType()), progress::advance);
            out.writeAndCommit(() -> writer.write(threads));
            progress.finish();
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        err.printf("kiln: wrote %s (%s, %d bytes) in %d ms%n", output, target.name(), sizeOf(output), ms);
        err.flush();
        return 0;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
