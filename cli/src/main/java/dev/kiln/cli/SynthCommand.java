package dev.kiln.cli;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.runtime.Plugins;
import dev.kiln.runtime.io.OutputFile;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln synth}: a Llama GGUF with random weights at a real model's dimensions, for
 * benchmarks anyone can reproduce without a download. Matrices are N(0, std) quantized through
 * the quant plugins (with llama-quantize's default mix, see {@link QuantMix}); norms are 1.0 in
 * F32; the tokenizer is copied from a vocab GGUF. Tensor names, order and metadata keys are
 * those of {@code make_synthetic_gguf.py}. Each tensor draws from its own seeded stream, so a
 * seed gives the same file whatever the thread count.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight Llama GGUF at a real model's dimensions.")
final class SynthCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    @Option(names = "--shape", required = true, paramLabel = "SHAPE", description = "tinyllama-1.1b, llama-3.2-1b or small.")
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

    @Option(names = {"-t", "--threads"}, paramLabel = "N", converter = Ranges.Positive.class, description = "Tensors written at once (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--force", description = "Replace FILE if it exists (atomically, keeping its permissions).")
    boolean force;

    /** One matrix or norm to write. */
    private record Planned(String name, String role, int layer, long[] shape, GgmlType type) {
    }

    @Override
    public Integer call() {
        int writers = ThreadCount.capped(threads, kiln.err());
        LlamaShape s = LlamaShape.named(shape);
        QuantMix mix = QuantMix.parse(type, pure);
        Plugins plugins = kiln.injector().getInstance(Plugins.class);
        QuantTypes types = kiln.injector().getInstance(QuantTypes.class);
        ModelFormat gguf = plugins.format("gguf");
        Path vocabFile = vocab != null ? vocab : defaultVocab(s);
        PrintWriter err = kiln.err();
        long t0 = System.nanoTime();
        try (ModelFile v = plugins.open(vocabFile); OutputFile out = OutputFile.prepare(output, force, List.of(vocabFile))) {
            int vocabSize = v.metadata().getStringArray("tokenizer.ggml.tokens").length;
            List<Planned> plan = plan(s, mix, vocabSize);
            for (Planned p : plan) {
                QuantType q = types.require(p.type(), p.name());
                if (!q.ggmlType().fitsRow(p.shape()[0])) {
                    throw new KilnException(p.name() + ": rows of " + p.shape()[0] + " do not fit " + q.name() + " blocks");
                }
            }
            ModelWriter w = gguf.create(out.partial());
            metadata(w, s, mix, vocabSize);
            for (Map.Entry<String, MetadataValue> e : v.metadata().asMap().entrySet()) {
                if (e.getKey().startsWith("tokenizer.ggml.")) {
                    w.put(e.getKey(), e.getValue());
                }
            }
            long total = plan.stream().mapToLong(p -> p.shape()[0] * (p.shape().length > 1 ? p.shape()[1] : 1)).sum();
            AtomicLong done = new AtomicLong();
            for (int i = 0; i < plan.size(); i++) {
                Planned p = plan.get(i);
                QuantType q = types.require(p.type(), p.name());
                long tensorSeed = seed * 0x9E3779B97F4A7C15L + i;
                w.addTensor(p.name(), p.type(), p.shape(), target -> {
                    fill(target, p, q, tensorSeed);
                    long now = done.addAndGet(p.shape()[0] * (p.shape().length > 1 ? p.shape()[1] : 1));
                    if (kiln.verbose()) {
                        synchronized (err) {
                            err.println(String.format(Locale.ROOT, "kiln: %-28s %-5s %5.1f%%", p.name(), p.type(), 100.0 * now / total));
                            err.flush();
                        }
                    }
                });
            }
            err.println(String.format(Locale.ROOT, "kiln: writing %s: %s shape, %s, %d tensors, %.2f G parameters, vocabulary %d from %s",
                    output, s.id, mix.name() + (pure ? " (pure)" : ""), plan.size(), total / 1e9, vocabSize, vocabFile.getFileName()));
            err.flush();
            out.writeAndCommit(() -> w.write(writers));
        }
        err.println(String.format(Locale.ROOT, "kiln: wrote %s (%.1f MiB) in %.1f s", output, size(output) / 1048576.0,
                (System.nanoTime() - t0) / 1e9));
        err.flush();
        return 0;
    }

    private Path defaultVocab(LlamaShape s) {
        Path home = KilnCommand.home().resolve("fixtures").resolve("vocab").resolve(s.vocabFixture);
        if (Files.exists(home)) {
            return home;
        }
        String fixtures = System.getProperty("kiln.fixtures");
        if (fixtures != null && Files.exists(Path.of(fixtures, "vocab", s.vocabFixture))) {
            return Path.of(fixtures, "vocab", s.vocabFixture);
        }
        throw new KilnException("no vocab file " + home + "; give one with --vocab");
    }

    /** The tensors of a Llama model with make_synthetic_gguf.py's names and order. */
    private static List<Planned> plan(LlamaShape s, QuantMix mix, int vocab) {
        List<Planned> p = new ArrayList<>();
        int e = s.embedding;
        int q = s.heads * s.headDim();
        int kv = s.kvHeads * s.headDim();
        boolean hasOutput = !s.tied;
        p.add(matrix("token_embd.weight", "token_embd", -1, e, vocab, mix, s, hasOutput));
        for (int l = 0; l < s.layers; l++) {
            String b = "blk." + l + ".";
            p.add(norm(b + "attn_norm.weight", e));
            p.add(matrix(b + "attn_q.weight", "attn_q", l, e, q, mix, s, hasOutput));
            p.add(matrix(b + "attn_k.weight", "attn_k", l, e, kv, mix, s, hasOutput));
            p.add(matrix(b + "attn_v.weight", "attn_v", l, e, kv, mix, s, hasOutput));
            p.add(matrix(b + "attn_output.weight", "attn_output", l, q, e, mix, s, hasOutput));
            p.add(norm(b + "ffn_norm.weight", e));
            p.add(matrix(b + "ffn_gate.weight", "ffn_gate", l, e, s.feedForward, mix, s, hasOutput));
            p.add(matrix(b + "ffn_up.weight", "ffn_up", l, e, s.feedForward, mix, s, hasOutput));
            p.add(matrix(b + "ffn_down.weight", "ffn_down", l, s.feedForward, e, mix, s, hasOutput));
        }
        p.add(norm("output_norm.weight", e));
        if (hasOutput) {
            p.add(matrix("output.weight", "output", -1, e, vocab, mix, s, true));
        }
        return p;
    }

    private static Planned matrix(String name, String role, int layer, int columns, int rows, QuantMix mix,
                                  LlamaShape s, boolean hasOutput) {
        return new Planned(name, role, layer, new long[] {columns, rows}, mix.typeOf(role, layer, s.layers, hasOutput));
    }

    private static Planned norm(String name, int n) {
        return new Planned(name, "norm", -1, new long[] {n}, GgmlType.F32);
    }

    private static void metadata(ModelWriter w, LlamaShape s, QuantMix mix, int vocab) {
        w.put("general.architecture", MetadataValue.ofString("llama"));
        w.put("general.name", MetadataValue.ofString("kiln-synth-" + s.id + "-" + mix.name()));
        w.put("general.file_type", MetadataValue.ofUint32(mix.fileType()));
        w.put("llama.context_length", MetadataValue.ofUint32(s.context));
        w.put("llama.embedding_length", MetadataValue.ofUint32(s.embedding));
        w.put("llama.block_count", MetadataValue.ofUint32(s.layers));
        w.put("llama.feed_forward_length", MetadataValue.ofUint32(s.feedForward));
        w.put("llama.attention.head_count", MetadataValue.ofUint32(s.heads));
        w.put("llama.attention.head_count_kv", MetadataValue.ofUint32(s.kvHeads));
        w.put("llama.rope.dimension_count", MetadataValue.ofUint32(s.headDim()));
        w.put("llama.rope.freq_base", MetadataValue.ofFloat32(s.ropeBase));
        w.put("llama.attention.layer_norm_rms_epsilon", MetadataValue.ofFloat32(s.rmsEpsilon));
        w.put("llama.vocab_size", MetadataValue.ofUint32(vocab));
        w.put("general.quantization_version", MetadataValue.ofUint32(2));
    }

    /** Writes one tensor: rows of N(0, std) (or 1.0 for norms) quantized straight into the file. */
    private void fill(MemorySegment target, Planned p, QuantType q, long tensorSeed) {
        int columns = (int) p.shape()[0];
        int rows = p.shape().length > 1 ? (int) p.shape()[1] : 1;
        float[] row = new float[columns];
        long rowBytes = q.byteSize(columns);
        SplittableRandom random = new SplittableRandom(tensorSeed);
        for (int r = 0; r < rows; r++) {
            if (p.role().equals("norm")) {
                java.util.Arrays.fill(row, 1f);
            } else {
                for (int c = 0; c < columns; c++) {
                    row[c] = (float) (random.nextGaussian() * std);
                }
            }
            q.quantize(row, 0, columns, target, r * rowBytes);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
