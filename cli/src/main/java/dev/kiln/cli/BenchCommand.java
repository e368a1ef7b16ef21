package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.KilnException;
import dev.kiln.api.model.Session;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln bench}: llama-bench's two tests. pp: P prompt tokens through the model in one
 * batch from an empty cache; tg: N single-token decode steps after a 1-token prompt (no
 * sampling). One warm-up round (the JIT compiles the kernels), then r measured rounds; tokens/s
 * as mean ± sample sd. Measured exactly like {@code bench/llamacpp-bench.mjs} measures llama.cpp.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Prompt-processing and token-generation speed, like llama-bench.")
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Kiln> engine;

    @Inject
    BenchCommand(Provider<Kiln> engine) {
        this.engine = engine;
    }

    @Mixin
    ComputeOptions compute;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "The model file (default: the embedded stories260K).")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "P", converter = Ranges.NonNegative.class, description = "Prompt tokens for pp; 0 skips it (default: ${DEFAULT-VALUE}).")
    int promptTokens = 512;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", converter = Ranges.NonNegative.class, description = "Generated tokens for tg; 0 skips it (default: ${DEFAULT-VALUE}).")
    int genTokens = 128;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "R", converter = Ranges.Positive.class, description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int repetitions = 3;

    @Option(names = "--json", description = "Print one JSON line: {model, threads, backend, load_ms, first_token_ms, "
            + "file_mib, peak_heap_mib, peak_rss_mib, pp: {tokens, tps, mean, sd}, tg: {…}}.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        if (promptTokens == 0 && genTokens == 0) {
            throw new KilnException("nothing to measure: -p and -n are both 0");
        }
        Path file = model != null ? model : KilnCommand.defaultModel();
        PrintWriter err = kiln.err();
        String name = file.getFileName().toString();
        long fileBytes = sizeOf(file);
        String backend;
        int threads;
        double loadMs;
        double firstTokenMs;
        int firstToken;
        List<Double> pp = new ArrayList<>();
        List<Double> tg = new ArrayList<>();
        try (KilnModel loaded = engine.get().open(KilnCommand.modelOrDefault(file), compute.modelOptions(0))) {
            err.println("kiln: " + loaded.describe());
            err.flush();
            backend = loaded.backendName();
            threads = loaded.threads();
            loadMs = loaded.loadTime().toNanos() / 1e6;
            int[] tokens = benchTokens(loaded, Math.max(promptTokens, genTokens + 1));
            firstToken = tokens[0];
            int ctx = Math.max(promptTokens, genTokens + 1);
            if (ctx > loaded.trainedContextLength()) {
                throw new KilnException("-p/-n need " + ctx + " positions but the model's context is " + loaded.trainedContextLength());
            }
            Session session = loaded.newSession(ctx);
            // issue 5's latency figure: model open + the first token of a 1-token prompt, before any warm-up
            firstTokenMs = openAndFirstTokenMs(loaded, session, firstToken);
            err.println(String.format(Locale.ROOT, "kiln: model open + first token: %.0f ms", firstTokenMs));
            err.flush();
            for (int round = 0; round <= repetitions; round++) {
                boolean warmUp = round == 0;
                if (promptTokens > 0) {
                    double rate = promptRate(session, tokens);
                    if (!warmUp) {
                        pp.add(rate);
                    }
                }
                if (genTokens > 0) {
                    double rate = generationRate(session, tokens);
                    if (!warmUp) {
                        tg.add(rate);
                    }
                }
                if (kiln.verbose()) {
                    err.println("kiln: " + (warmUp ? "warm-up" : "round " + round) + " done");
                    err.flush();
                }
            }
        }
        OptionalLong peakResident = MemoryUse.peakResidentBytes();
        long peakHeap = MemoryUse.peakHeapBytes();
        err.println(String.format(Locale.ROOT, "kiln: peak heap %.0f MiB; peak resident %s (file %.0f MiB)",
                peakHeap / 1048576.0, peakResident.isPresent()
                        ? String.format(Locale.ROOT, "%.0f MiB, %+.1f %% of the file", peakResident.getAsLong() / 1048576.0,
                                100.0 * (peakResident.getAsLong() - fileBytes) / fileBytes)
                        : "not reported by this platform", fileBytes / 1048576.0));
        // the same open + first token again, the first model closed and the kernels compiled: what a
        // running process (a server, a notebook) pays to open a model, without the JIT's start-up share
        double warmFirstTokenMs = warmFirstTokenMs(file, firstToken);
        err.println(String.format(Locale.ROOT, "kiln: model open + first token, JIT warm (second open in this JVM): %.0f ms",
                warmFirstTokenMs));
        err.flush();
        ThroughputSample ppSample = promptTokens > 0 ? ThroughputSample.of(promptTokens, pp) : null;
        ThroughputSample tgSample = genTokens > 0 ? ThroughputSample.of(genTokens, tg) : null;
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", name);
            out.put("threads", threads);
            out.put("backend", backend);
            out.put("load_ms", ThroughputSample.round2(loadMs));
            out.put("first_token_ms", ThroughputSample.round2(firstTokenMs));
            out.put("first_token_warm_ms", ThroughputSample.round2(warmFirstTokenMs));
            out.put("file_mib", ThroughputSample.round2(fileBytes / 1048576.0));
            out.put("peak_heap_mib", ThroughputSample.round2(peakHeap / 1048576.0));
            if (peakResident.isPresent()) {
                out.put("peak_rss_mib", ThroughputSample.round2(peakResident.getAsLong() / 1048576.0));
            }
            if (ppSample != null) {
                out.put("pp", ppSample.toJson());
            }
            if (tgSample != null) {
                out.put("tg", tgSample.toJson());
            }
            kiln.out().println(new ObjectMapper().writeValueAsString(out));
        } else {
            String size = String.format(Locale.ROOT, "%.2f MiB", fileBytes / 1048576.0);
            kiln.out().println("| model | size | backend | threads | test | t/s |");
            kiln.out().println("| --- | ---: | --- | ---: | ---: | ---: |");
            for (Map.Entry<String, ThroughputSample> e : tests(ppSample, tgSample).entrySet()) {
                kiln.out().println(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %.2f ± %.2f |", name, size,
                        backend, threads, e.getKey(), e.getValue().mean(), e.getValue().sd()));
            }
        }
        kiln.out().flush();
        return 0;
    }

    /** Opens {@code file} again and times open + the first token of a 1-token prompt, then closes it. */
    private double warmFirstTokenMs(Path file, int token) {
        try (KilnModel again = engine.get().open(KilnCommand.modelOrDefault(file), compute.modelOptions(0))) {
            return openAndFirstTokenMs(again, again.newSession(1), token);
        }
    }

    /** {@code model}'s load time plus one forward pass of {@code token} in {@code session}, in ms. */
    private static double openAndFirstTokenMs(KilnModel model, Session session, int token) {
        long t0 = System.nanoTime();
        session.forward(new int[] {token}, 0, 1, false);
        return (model.loadTime().toNanos() + System.nanoTime() - t0) / 1e6;
    }

    /** P tokens from a plain English sentence repeated, as the llama.cpp script takes its prompt. */
    private static int[] benchTokens(KilnModel loaded, int count) {
        int[] vocab = loaded.tokenize("The quick brown fox jumps over the lazy dog. ".repeat(64), false, false);
        if (vocab.length == 0) {
            throw new KilnException("the tokenizer produced no tokens for the benchmark text");
        }
        int[] t = new int[count];
        for (int i = 0; i < count; i++) {
            t[i] = vocab[i % vocab.length];
        }
        return t;
    }

    private double promptRate(Session session, int[] tokens) {
        session.rewind(0);
        long t0 = System.nanoTime();
        session.forward(tokens, 0, promptTokens, false);
        return promptTokens / ((System.nanoTime() - t0) / 1e9);
    }

    private double generationRate(Session session, int[] tokens) {
        session.rewind(0);
        session.forward(tokens, 0, 1, false);
        long t0 = System.nanoTime();
        for (int i = 1; i <= genTokens; i++) {
            session.forward(tokens, i, 1, false);
        }
        return genTokens / ((System.nanoTime() - t0) / 1e9);
    }

    private Map<String, ThroughputSample> tests(ThroughputSample pp, ThroughputSample tg) {
        Map<String, ThroughputSample> m = new LinkedHashMap<>();
        if (pp != null) {
            m.put("pp" + promptTokens, pp);
        }
        if (tg != null) {
            m.put("tg" + genTokens, tg);
        }
        return m;
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
