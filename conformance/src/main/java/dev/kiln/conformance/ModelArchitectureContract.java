package dev.kiln.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.model.Session;
import dev.kiln.api.quant.QuantTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The model-architecture contract, on every backend found:
 * <ul>
 *   <li>greedy ids and first logits equal a reference implementation's (llama.cpp's) on the
 *       model files and prompts the plugin supplies ({@link ArchitectureReference}): every id
 *       identical, every logit within the case's tolerance (the largest difference is printed);</li>
 *   <li>on a small model (the first reference's file, else one the kit writes from the plugin's
 *       smallest synthetic preset): one decode step of several sessions gives each exactly what
 *       it gets alone, a rewound session recomputes the same logits, and a batch past the context
 *       or a token outside the vocabulary is a {@link KilnException};</li>
 *   <li>malformed hyper-parameters (a key removed, zero, negative or inconsistent) are refused
 *       with a {@link KilnException} naming the key.</li>
 * </ul>
 * A plugin's test suite subclasses this, returning its architecture and reference cases; the
 * files are read with the {@code ModelFormat} plugin found on the path (Kiln's format-gguf).
 */
public abstract class ModelArchitectureContract {
    private static final String CONTRACT = "ModelArchitecture";
    private static final int THREADS = 2;

    /** The architecture under test. */
    protected abstract ModelArchitecture subject();

    /** A reference implementation's results on the plugin's own small models; none by default. */
    protected List<ArchitectureReference> references() {
        return List.of();
    }

    /** A reference implementation's perplexities of the plugin's own small models; none by default. */
    protected List<ArchitecturePerplexity> perplexities() {
        return List.of();
    }

    /**
     * Broken hyper-parameters a load of {@code model} (a working file of the architecture) must
     * refuse, naming the key; by default {@link #standardMalformations}.
     */
    protected List<Malformation> malformations(ModelFile model) {
        return standardMalformations(subject().name(), model);
    }

    @TestFactory
    Stream<DynamicTest> architectureContract() {
        List<Check> checks = new ArrayList<>(checks(subject(), references(), this::malformations));
        checks.addAll(perplexityChecks(subject(), perplexities(), format(), new QuantTypes(BackendContract.discoveredQuantTypes()),
                backends()));
        return checks.stream().map(Check::toDynamicTest);
    }

    /**
     * One key set to a bad value, or removed.
     *
     * @param key the metadata key
     * @param value its bad value, or null to remove it
     */
    public record Malformation(String key, MetadataValue value) {
        @Override
        public String toString() {
            return value == null ? key + " removed" : key + " = " + value;
        }
    }

    /** The malformations every architecture on llama.cpp's standard {@code ARCH.*} keys must refuse. */
    public static List<Malformation> standardMalformations(String architecture, ModelFile model) {
        String a = architecture + ".";
        List<Malformation> m = new ArrayList<>();
        m.add(new Malformation(a + "embedding_length", null));
        m.add(new Malformation(a + "block_count", MetadataValue.ofUint32(0)));
        m.add(new Malformation(a + "attention.head_count", MetadataValue.ofUint32(0)));
        model.metadata().findLong(a + "attention.head_count").ifPresent(heads ->
                m.add(new Malformation(a + "attention.head_count_kv", MetadataValue.ofUint32(heads + 1))));
        m.add(new Malformation(a + "attention.layer_norm_rms_epsilon", MetadataValue.ofFloat32(-1f)));
        m.add(new Malformation(a + "context_length", MetadataValue.ofUint32(0)));
        return m;
    }

    /** Malformations for a model file, given the file. */
    @FunctionalInterface
    public interface Malformations {
        List<Malformation> of(ModelFile model);
    }

    /** The checks for {@code architecture} with the plugins found by ServiceLoader. */
    public static List<Check> checks(ModelArchitecture architecture, List<ArchitectureReference> references,
                                     Malformations malformations) {
        return checks(architecture, references, malformations, format(), new QuantTypes(BackendContract.discoveredQuantTypes()),
                backends());
    }

    /**
     * The checks for {@code architecture} reading files with {@code format}, running them with
     * {@code types} on each of {@code backends}.
     */
    public static List<Check> checks(ModelArchitecture architecture, List<ArchitectureReference> references,
                                     Malformations malformations, ModelFormat format, QuantTypes types,
                                     List<Backend> backends) {
        Runner runner = new Runner(architecture, format, types);
        List<Check> checks = new ArrayList<>();
        checks.add(check("name is non-empty", () -> assertFalse(architecture.name() == null || architecture.name().isBlank(),
                "architecture name is empty")));
        for (Backend backend : backends) {
            for (ArchitectureReference r : references) {
                checks.add(check("greedy ids and logits equal the reference: " + r.name() + " on " + backend.name(),
                        () -> runner.checkReference(r, backend)));
            }
        }
        Optional<Path> own = references.stream().map(ArchitectureReference::model).findFirst();
        Optional<ModelLayout> layout = own.isPresent() ? Optional.empty() : ModelArchitectureContractFiles.smallestLayout(architecture);
        if (own.isEmpty() && layout.isEmpty()) {
            checks.add(check("a model to run: the plugin supplies reference cases or a synthetic preset of at most "
                    + ModelArchitectureContractFiles.MAX_PARAMETERS + " parameters", () -> {
                        throw new AssertionError("no reference cases and no small synthetic preset: nothing to load");
                    }));
            return checks;
        }
        String which = own.map(p -> p.getFileName().toString()).orElseGet(() -> "synthetic " + layout.get().preset());
        for (Backend backend : backends) {
            String on = " (" + which + " on " + backend.name() + ")";
            checks.add(check("one decode step of several sessions gives each exactly its own logits" + on,
                    () -> runner.withModel(own, layout, backend, Runner::checkBatchedDecode)));
            checks.add(check("a rewound session recomputes the same logits" + on,
                    () -> runner.withModel(own, layout, backend, Runner::checkRewind)));
            checks.add(check("a batch past the context and a token outside the vocabulary are refused" + on,
                    () -> runner.withModel(own, layout, backend, Runner::checkBounds)));
        }
        checks.add(check("malformed hyper-parameters are refused with a KilnException naming the key (" + which + ")",
                () -> runner.checkMalformations(own, layout, malformations)));
        return checks;
    }

    /** Perplexity equal to the reference's within its tolerance, with as many tokens scored, on each backend. */
    public static List<Check> perplexityChecks(ModelArchitecture architecture, List<ArchitecturePerplexity> cases,
                                               ModelFormat format, QuantTypes types, List<Backend> backends) {
        Runner runner = new Runner(architecture, format, types);
        List<Check> checks = new ArrayList<>();
        for (Backend backend : backends) {
            for (ArchitecturePerplexity p : cases) {
                checks.add(check(p.name() + " equals the reference's within " + 100 * p.relativeTolerance() + " % on "
                        + backend.name(), () -> runner.checkPerplexity(p, backend)));
            }
        }
        return checks;
    }

    private static Check check(String name, org.junit.jupiter.api.function.Executable body) {
        return new Check(CONTRACT, name, body);
    }

    /** The model format plugin found by ServiceLoader (GGUF). */
    static ModelFormat format() {
        try {
            for (ModelFormat f : ServiceLoader.load(ModelFormat.class)) {
                if (f.name().equals("gguf")) {
                    return f;
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new AssertionError("cannot look up ModelFormat plugins: " + e.getMessage(), e);
        }
        throw new AssertionError("no gguf ModelFormat plugin on the path; add Kiln's format-gguf to the test dependencies");
    }

    /** The supported backends found by ServiceLoader, by name. */
    static List<Backend> backends() {
        List<Backend> found = new ArrayList<>();
        ServiceLoader.load(Backend.class).forEach(b -> {
            if (b.unsupportedReason().isEmpty()) {
                found.add(b);
            }
        });
        found.sort(Comparator.comparing(Backend::name));
        return found;
    }

    /** Loads and runs models of one architecture. */
    private record Runner(ModelArchitecture architecture, ModelFormat format, QuantTypes types) {

        private record Loaded(ModelFile file, Compute compute, Model model) implements AutoCloseable {
            @Override
            public void close() {
                compute.close();
                file.close();
            }
        }

        Loaded load(Path path, Backend backend) {
            ModelFile file = format.open(path);
            Compute compute = null;
            try {
                compute = backend.open(THREADS);
                return new Loaded(file, compute, architecture.load(file, compute, types));
            } catch (RuntimeException | Error e) {
                if (compute != null) {
                    compute.close();
                }
                file.close();
                throw e;
            }
        }

        void withModel(Optional<Path> own, Optional<ModelLayout> layout, Backend backend, Consumer<Model> body) {
            withFile(own, layout, path -> {
                try (Loaded m = load(path, backend)) {
                    body.accept(m.model());
                }
            });
        }

        /** Runs {@code body} on the plugin's model, or on one written from {@code layout} into a temporary directory. */
        void withFile(Optional<Path> own, Optional<ModelLayout> layout, Consumer<Path> body) {
            if (own.isPresent()) {
                body.accept(own.get());
                return;
            }
            withTempDir(dir -> {
                Path file = dir.resolve("synthetic.gguf");
                ModelArchitectureContractFiles.synthesize(format, layout.orElseThrow(), file);
                body.accept(file);
            });
        }

        void checkReference(ArchitectureReference r, Backend backend) {
            try (Loaded m = load(r.model(), backend)) {
                int[] prompt = r.prompt();
                int[] expected = r.greedyIds();
                Session s = m.model().newSession(prompt.length + expected.length);
                float[] logits = s.forward(prompt, 0, prompt.length, false);
                int[] ids = new int[expected.length];
                double worst = 0;
                for (int step = 0; step < expected.length; step++) {
                    if (step < r.logits().size()) {
                        float[] ref = r.logits().get(step);
                        assertEquals(ref.length, logits.length, r.name() + ": vocabulary size");
                        for (int i = 0; i < ref.length; i++) {
                            worst = Math.max(worst, Math.abs(logits[i] - ref[i]));
                        }
                    }
                    ids[step] = argmax(logits);
                    if (step + 1 < expected.length) {
                        logits = s.forward(ids, step, 1, false);
                    }
                }
                int agree = agreeing(ids, expected);
                int must = r.idsThatMustAgree();
                System.out.printf(Locale.ROOT, "%s on %s: %d of %d greedy ids as the reference's (%s); max |logit - reference| "
                                + "over the first %d steps %.3g (tolerance %.3g)%n", r.name(), backend.name(), agree, ids.length,
                        must == ids.length ? "all required" : "the reference's top-2 gap is " + r.gaps()[must] + " at step " + must,
                        r.logits().size(), worst, r.tolerance());
                if (agree < must) {
                    throw new AssertionError(r.name() + " on " + backend.name() + ": greedy ids differ from the reference's at step "
                            + agree + " (expected " + expected[agree] + ", got " + ids[agree] + "); the reference's top-2 gap there is "
                            + (r.gaps().length > agree ? r.gaps()[agree] : "unknown"));
                }
                assertTrue(worst <= r.tolerance(), r.name() + " on " + backend.name() + ": max |logit - reference| = " + worst
                        + " > " + r.tolerance());
            }
        }

        void checkPerplexity(ArchitecturePerplexity p, Backend backend) {
            try (Loaded m = load(p.model(), backend)) {
                Model model = m.model();
                int ctx = p.context();
                int vocab = model.vocabularySize();
                int[] tokens = p.tokens();
                int first = ctx / 2;
                double nll = 0;
                int scored = 0;
                Session s = model.newSession(ctx);
                int[] chunk = new int[ctx];
                for (int c = 0; c < tokens.length / ctx; c++) {
                    System.arraycopy(tokens, c * ctx, chunk, 0, ctx);
                    if (p.bos() >= 0) {
                        chunk[0] = p.bos();
                    }
                    s.rewind(0);
                    s.forward(chunk, 0, first, false);
                    float[] logits = s.forward(chunk, first, ctx - first, true);
                    for (int j = first; j < ctx - 1; j++) {
                        int base = (j - first) * vocab;
                        double max = Double.NEGATIVE_INFINITY;
                        for (int i = 0; i < vocab; i++) {
                            max = Math.max(max, logits[base + i]);
                        }
                        double sum = 0;
                        for (int i = 0; i < vocab; i++) {
                            sum += Math.exp(logits[base + i] - max);
                        }
                        nll -= logits[base + chunk[j + 1]] - max - Math.log(sum);
                        scored++;
                    }
                }
                double ppl = Math.exp(nll / scored);
                double rel = Math.abs(ppl / p.expected() - 1);
                System.out.printf(Locale.ROOT, "%s on %s: PPL %.4f over %d tokens, reference %.4f (%.4f %% off)%n", p.name(),
                        backend.name(), ppl, scored, p.expected(), 100 * rel);
                assertEquals(p.scored(), scored, p.name() + ": tokens scored");
                assertTrue(rel <= p.relativeTolerance(), p.name() + " on " + backend.name() + ": PPL " + ppl + " vs the reference's "
                        + p.expected() + " (" + 100 * rel + " % off)");
            }
        }

        static void checkBatchedDecode(Model model) {
            int vocab = model.vocabularySize();
            int[][] prompts = {{1 % vocab, 5 % vocab, 9 % vocab}, {7 % vocab}, {3 % vocab, 3 % vocab, 2 % vocab, 11 % vocab, 4 % vocab}};
            int[] next = {13 % vocab, 17 % vocab, 19 % vocab};
            List<Session> together = new ArrayList<>();
            List<Session> alone = new ArrayList<>();
            for (int[] p : prompts) {
                for (List<Session> list : List.of(together, alone)) {
                    Session s = model.newSession(16);
                    s.forward(p, 0, p.length, false);
                    list.add(s);
                }
            }
            for (int step = 0; step < 3; step++) {
                float[][] batched = model.decode(together, next);
                for (int i = 0; i < prompts.length; i++) {
                    float[] own = alone.get(i).forward(next, i, 1, false);
                    assertArrayEquals(own, batched[i], "session " + i + " at decode step " + step
                            + ": logits in a shared step differ from the session's own");
                    assertEquals(alone.get(i).position(), together.get(i).position(), "session " + i + " position");
                }
                for (int i = 0; i < next.length; i++) {
                    next[i] = argmax(batched[i]);
                }
            }
        }

        static void checkRewind(Model model) {
            int vocab = model.vocabularySize();
            int[] tokens = {2 % vocab, 4 % vocab, 6 % vocab, 8 % vocab, 10 % vocab};
            Session s = model.newSession(8);
            s.forward(tokens, 0, 3, false);
            float[] first = s.forward(tokens, 3, 2, true);
            for (float v : first) {
                assertTrue(Float.isFinite(v), "logits are not finite");
            }
            s.rewind(3);
            assertEquals(3, s.position(), "position after rewind");
            float[] again = s.forward(tokens, 3, 2, true);
            assertArrayEquals(first, again, "logits after rewinding to position 3 and running the same tokens");
            assertEquals(5, s.position(), "position after the second run");
        }

        static void checkBounds(Model model) {
            int vocab = model.vocabularySize();
            Session s = model.newSession(4);
            s.forward(new int[] {1 % vocab, 2 % vocab, 3 % vocab}, 0, 3, false);
            KilnException full = assertThrows(KilnException.class, () -> s.forward(new int[] {1, 1}, 0, 2, false),
                    "two tokens at position 3 of a context of 4");
            assertTrue(full.getMessage() != null && !full.getMessage().isBlank(), "the error has a message");
            assertEquals(3, s.position(), "a refused batch leaves the session where it was");
            assertThrows(KilnException.class, () -> s.forward(new int[] {vocab}, 0, 1, false),
                    "token id " + vocab + " of a vocabulary of " + vocab);
            assertThrows(KilnException.class, () -> s.forward(new int[] {-1}, 0, 1, false), "token id -1");
        }

        void checkMalformations(Optional<Path> own, Optional<ModelLayout> layout, Malformations malformations) {
            withFile(own, layout, source -> withTempDir(dir -> {
                List<Malformation> list;
                try (ModelFile f = format.open(source)) {
                    list = malformations.of(f);
                }
                assertFalse(list.isEmpty(), "no malformations to check");
                Backend backend = backends().stream().filter(b -> b.name().equals("scalar")).findFirst()
                        .orElse(backends().getFirst());
                int i = 0;
                for (Malformation m : list) {
                    Path broken = dir.resolve("broken-" + i++ + ".gguf");
                    ModelArchitectureContractFiles.withKey(format, source, broken, m.key(), m.value());
                    KilnException e = assertThrows(KilnException.class, () -> load(broken, backend).close(),
                            "loading a file with " + m + " must fail with a KilnException");
                    assertTrue(e.getMessage() != null && e.getMessage().contains(m.key()),
                            "the error for " + m + " must name the key: " + e.getMessage());
                }
            }));
        }

        private static int argmax(float[] logits) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }

        private static int agreeing(int[] a, int[] b) {
            int n = 0;
            while (n < a.length && n < b.length && a[n] == b[n]) {
                n++;
            }
            return n;
        }

        private static void withTempDir(Consumer<Path> body) {
            Path dir;
            try {
                dir = Files.createTempDirectory("kiln-architecture-contract");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                body.accept(dir);
            } finally {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                    Files.deleteIfExists(dir);
                } catch (IOException e) {
                    // a temporary directory left behind is not a failed check
                }
            }
        }
    }
}
