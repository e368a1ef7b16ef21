package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.runtime.PluginKind;
import dev.kiln.runtime.Plugins;
import dev.kiln.runtime.quantize.FileType;
import dev.kiln.runtime.quantize.ModelQuantizer;
import dev.kiln.runtime.quantize.QuantizePlan;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Parameters(index = "0", paramLabel = "IN", description = "The F32/F16/BF16 model.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "The quantized model to write.")
    Path output;

    @Parameters(index = "2", paramLabel = "TYPE", description = "Target type: any quant plugin's name, e.g. Q8_0, Q4_K.")
    String typeName;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Tensors quantized at once (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    public Integer call() {
        if (threads < 1) {
            throw new KilnException("-t must be at least 1, got " + threads);
        }
        Plugins plugins = kiln.injector().getInstance(Plugins.class);
        QuantTypes types = kiln.injector().getInstance(QuantTypes.class);
        QuantType target = plugins.quantType(typeName).orElseThrow(() -> new KilnException(
                "no quant-type plugin named '" + typeName + "' (available: " + plugins.names(PluginKind.QUANT) + ")"));
        if (Files.exists(output) && Files.exists(input) && sameFile(input, output)) {
            throw new KilnException(output + ": output would overwrite the input");
        }
        PrintWriter err = kiln.err();
        ModelFormat format = plugins.formatFor(input);
        long start = System.nanoTime();
        try (ModelFile in = format.open(input)) {
            QuantizePlan plan = QuantizePlan.of(in, target, types);
            plan.notes().forEach(n -> err.println("kiln: " + n));
            ProgressBar progress = new ProgressBar(err, plan.totalElements());
            ModelQuantizer.write(in, plan, FileType.of(target.ggmlType()), format.create(output), threads,
                    progress::advance);
            progress.finish();
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        err.printf("kiln: wrote %s (%s, %d bytes) in %d ms%n", output, target.name(), sizeOf(output), ms);
        err.flush();
        return 0;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
