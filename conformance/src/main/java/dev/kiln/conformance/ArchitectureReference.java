package dev.kiln.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reference implementation (llama.cpp) does with one model file and one prompt, for
 * {@link ModelArchitectureContract}: the greedy ids after the prompt and the logits before the
 * first of them.
 *
 * @param name names the case in check names and messages
 * @param model the model file
 * @param prompt the prompt's token ids (BOS included where the vocabulary adds one)
 * @param greedyIds the ids greedy decoding picks after the prompt
 * @param logits the logits before each of the first generated ids (may be fewer than the ids, or none)
 * @param tolerance the largest |logit − reference| accepted
 * @param gaps the reference's own gap between its two highest logits before each id (may be
 *        empty): the ids must agree up to the first step whose gap is below {@code nearTie},
 *        where another implementation's float rounding may pick the other token and then go its
 *        own way (every id must agree when no gaps are given)
 * @param nearTie the gap below which a reference choice counts as a near tie
 */
public record ArchitectureReference(String name, Path model, int[] prompt, int[] greedyIds, List<float[]> logits,
                                    double tolerance, double[] gaps, double nearTie) {

    public ArchitectureReference {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(model, "model is null");
        prompt = prompt.clone();
        greedyIds = greedyIds.clone();
        logits = List.copyOf(logits);
        gaps = gaps.clone();
        if (gaps.length != 0 && gaps.length != greedyIds.length) {
            throw new IllegalArgumentException(name + ": " + gaps.length + " gaps for " + greedyIds.length + " ids");
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException(name + ": empty prompt");
        }
        if (logits.size() > greedyIds.length) {
            throw new IllegalArgumentException(name + ": logits for more steps than greedy ids");
        }
    }

    @Override
    public int[] prompt() {
        return prompt.clone();
    }

    @Override
    public int[] greedyIds() {
        return greedyIds.clone();
    }

    @Override
    public double[] gaps() {
        return gaps.clone();
    }

    /** Every case: ids and logits, no near ties known. */
    public ArchitectureReference(String name, Path model, int[] prompt, int[] greedyIds, List<float[]> logits,
                                 double tolerance) {
        this(name, model, prompt, greedyIds, logits, tolerance, new double[0], 0);
    }

    /**
     * How many ids must agree: all of them, or those before the first step where the reference's
     * top-2 gap is below {@link #nearTie} (at that step either token is a faithful choice).
     */
    public int idsThatMustAgree() {
        for (int i = 0; i < gaps.length; i++) {
            if (gaps[i] < nearTie) {
                return i;
            }
        }
        return greedyIds.length;
    }

    /** The first {@code count} greedy ids only (where the reference itself sits on a near tie later). */
    public ArchitectureReference firstIds(int count) {
        return new ArchitectureReference(name, model, prompt, java.util.Arrays.copyOf(greedyIds, count),
                logits.subList(0, Math.min(count, logits.size())), tolerance,
                gaps.length == 0 ? gaps : java.util.Arrays.copyOf(gaps, count), nearTie);
    }

    /**
     * The case {@code prompt} of model {@code model} as Kiln's {@code tools/llamacpp_model_reference.mjs}
     * writes it into {@code dir}: {@code M.PROMPT.prompt_ids.txt}, {@code M.PROMPT.gen_ids.txt} (ids
     * separated by white space), {@code M.PROMPT.logits.txt} ({@code # step S} lines, each followed by
     * one line of space-separated logits) and {@code M.PROMPT.gaps.txt} (the top-2 gaps, if present),
     * where {@code M} is the model's file name without {@code .gguf}.
     */
    public static ArchitectureReference load(Path dir, Path model, String prompt, double tolerance, double nearTie) {
        String m = model.getFileName().toString().replaceFirst("\\.gguf$", "");
        String base = m + "." + prompt + ".";
        Path gapFile = dir.resolve(base + "gaps.txt");
        double[] gaps = Files.exists(gapFile) ? java.util.Arrays.stream(read(gapFile).trim().split("\\s+"))
                .mapToDouble(Double::parseDouble).toArray() : new double[0];
        return new ArchitectureReference(m + " " + prompt, model, ids(dir.resolve(base + "prompt_ids.txt")),
                ids(dir.resolve(base + "gen_ids.txt")), logits(dir.resolve(base + "logits.txt")), tolerance, gaps, nearTie);
    }

    /**
     * Every case {@link #load(Path, Path, String, double, double)} finds for {@code models} ×
     * {@code prompts}, the tolerance per model file.
     */
    public static List<ArchitectureReference> loadAll(Path dir, List<Path> models, List<String> prompts,
                                                      java.util.function.ToDoubleFunction<Path> tolerance, double nearTie) {
        List<ArchitectureReference> all = new ArrayList<>();
        for (Path model : models) {
            for (String prompt : prompts) {
                all.add(load(dir, model, prompt, tolerance.applyAsDouble(model), nearTie));
            }
        }
        return all;
    }

    /**
     * The usual reference set of a tiny fixture model: {@code dir/NAME-{F32,Q8_0,Q4_0}.gguf} with
     * their llama.cpp outputs in {@code dir/expected}, prompts p1–p3; {@code f32Tolerance} for the
     * F32 file (its matrix products add in another order than llama.cpp's), {@code quantizedTolerance}
     * for the others.
     */
    public static List<ArchitectureReference> loadTiny(Path dir, String name, double f32Tolerance,
                                                       double quantizedTolerance, double nearTie) {
        List<Path> models = List.of("F32", "Q8_0", "Q4_0").stream().map(v -> dir.resolve(name + "-" + v + ".gguf")).toList();
        return loadAll(dir.resolve("expected"), models, List.of("p1", "p2", "p3"),
                model -> model.getFileName().toString().contains("F32") ? f32Tolerance : quantizedTolerance, nearTie);
    }

    /** Token ids separated by white space. */
    public static int[] ids(Path file) {
        String text = read(file).trim();
        if (text.isEmpty()) {
            return new int[0];
        }
        String[] parts = text.split("\\s+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            ids[i] = Integer.parseInt(parts[i]);
        }
        return ids;
    }

    /** Logit blocks: each a {@code #} line followed by values separated by white space (one or many per line). */
    public static List<float[]> logits(Path file) {
        List<float[]> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (String line : read(file).split("\n")) {
            if (line.startsWith("#")) {
                if (current != null) {
                    blocks.add(floats(current));
                }
                current = new StringBuilder();
            } else if (current != null) {
                current.append(' ').append(line);
            }
        }
        if (current != null) {
            blocks.add(floats(current));
        }
        return blocks;
    }

    private static float[] floats(CharSequence text) {
        String[] parts = text.toString().trim().split("\\s+");
        float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Float.parseFloat(parts[i]);
        }
        return values;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reference file " + file, e);
        }
    }
}
