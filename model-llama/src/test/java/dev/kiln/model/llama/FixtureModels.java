package dev.kiln.model.llama;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.Session;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The repo's fixture models and the plugins (found with ServiceLoader) to run them. */
final class FixtureModels {

    private FixtureModels() {
    }

    static Path fixtures() {
        String dir = System.getProperty("kiln.fixtures");
        assertNotNull(dir, "system property kiln.fixtures is not set");
        return Path.of(dir);
    }

    static Path models() {
        return fixtures().resolve("models");
    }

    static <T> List<T> plugins(Class<T> service) {
        // tests are patched into this module, whose descriptor has no reason to `uses` these
        FixtureModels.class.getModule().addUses(service);
        List<T> found = new ArrayList<>();
        ServiceLoader.load(service).forEach(found::add);
        return found;
    }

    static ModelFormat gguf() {
        return plugins(ModelFormat.class).stream().filter(f -> f.name().equals("gguf")).findFirst().orElseThrow();
    }

    static QuantTypes quantTypes() {
        return new QuantTypes(plugins(QuantType.class));
    }

    static Backend scalar() {
        return plugins(Backend.class).stream().filter(b -> b.name().equals("scalar")).findFirst().orElseThrow();
    }

    /** A model file loaded on the scalar backend; closing it releases both. */
    record Loaded(ModelFile file, Compute compute, Model model) implements AutoCloseable {
        @Override
        public void close() {
            compute.close();
            file.close();
        }
    }

    static Loaded load(Path path, int threads) {
        ModelFile file = gguf().open(path);
        Compute compute = scalar().open(threads);
        try {
            return new Loaded(file, compute, new LlamaArchitecture().load(file, compute, quantTypes()));
        } catch (RuntimeException e) {
            compute.close();
            file.close();
            throw e;
        }
    }

    static int[] ids(Path file) {
        return dev.kiln.conformance.ArchitectureReference.ids(file);
    }

    /** Logit blocks: a {@code # pos ...} line, then one value per line. */
    static List<float[]> logits(Path file) {
        List<float[]> blocks = new ArrayList<>();
        List<Float> current = null;
        for (String line : read(file).split("\n")) {
            if (line.startsWith("#")) {
                if (current != null) {
                    blocks.add(toArray(current));
                }
                current = new ArrayList<>();
            } else if (!line.isBlank()) {
                current.add(Float.parseFloat(line.trim()));
            }
        }
        if (current != null) {
            blocks.add(toArray(current));
        }
        return blocks;
    }

    /** Greedy decoding result: generated ids and the logits before each of the first steps. */
    record Greedy(int[] ids, List<float[]> logits) {
    }

    /** Runs the prompt as one batch, then {@code steps} greedy tokens one at a time. */
    static Greedy greedy(Model model, int[] prompt, int steps, int keepLogits) {
        Session s = model.newSession(prompt.length + steps);
        float[] logits = s.forward(prompt, 0, prompt.length, false);
        int[] out = new int[steps];
        List<float[]> kept = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            if (i < keepLogits) {
                kept.add(logits.clone());
            }
            out[i] = argmax(logits);
            if (i + 1 < steps) {
                logits = s.forward(out, i, 1, false);
            }
        }
        return new Greedy(out, kept);
    }

    /** Index of the largest value, the lowest index on ties. */
    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    static int agreeingPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) {
            n++;
        }
        return n;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    private static float[] toArray(List<Float> values) {
        float[] a = new float[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = values.get(i);
        }
        return a;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
