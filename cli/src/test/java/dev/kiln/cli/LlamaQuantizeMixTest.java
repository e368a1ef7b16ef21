package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.runtime.PluginLoader;
import dev.kiln.runtime.Plugins;
import dev.kiln.runtime.quantize.FileType;
import dev.kiln.runtime.quantize.QuantMix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama-quantize's nine mixes of quant-mix-F16.gguf (fixtures/models/quant-mix: llama.cpp c392e50's
 * output as per-tensor type and sha256 digests, and the sha256 of four whole outputs): the type
 * {@link QuantMix} chooses for every tensor, and {@code kiln quantize}'s output tensor by tensor
 * and, where the whole file's digest is known, byte for byte. A mix whose types lack a plugin is
 * skipped, naming the plugins it waits for.
 */
class LlamaQuantizeMixTest {
    private static final Path DIR = GenerateCommandTest.FIXTURES.resolve("models/quant-mix");
    private static final Path SOURCE = DIR.resolve("quant-mix-F16.gguf");
    private static final Plugins PLUGINS = new Plugins(PluginLoader.discoverBuiltIn());
    private static Map<String, Map<String, Expected>> digests;
    private static Map<String, String> wholeFiles;

    private record Expected(GgmlType type, String sha256) {
    }

    @BeforeAll
    static void readDigests() throws IOException {
        digests = new LinkedHashMap<>();
        JsonNode root = new ObjectMapper().readTree(DIR.resolve("digest.json").toFile());
        root.properties().forEach(file -> {
            Map<String, Expected> tensors = new LinkedHashMap<>();
            file.getValue().properties().forEach(t -> tensors.put(t.getKey(), new Expected(
                    GgmlType.byName(t.getValue().get(0).asText()).orElseThrow(), t.getValue().get(1).asText())));
            digests.put(file.getKey(), tensors);
        });
        wholeFiles = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DIR.resolve("whole-files.sha256"))) {
            String[] parts = line.trim().split("\\s+");
            wholeFiles.put(parts[1], parts[0]);
        }
    }

    static Stream<String> mixes() {
        return Stream.of("Q4_K_M", "Q4_K_S", "Q5_K_M", "Q5_K_S", "Q3_K_M", "Q3_K_S", "Q2_K", "IQ4_XS", "Q6_K");
    }

    @Test
    void the_digests_cover_the_nine_mixes_and_the_source() throws IOException {
        assertEquals(10, digests.size(), digests.keySet()::toString);
        mixes().forEach(m -> assertTrue(digests.containsKey("quant-mix-" + m + ".gguf"), m));
        // the copied source is the one llama-quantize read
        try (ModelFile in = PLUGINS.open(SOURCE)) {
            Map<String, Expected> source = digests.get("quant-mix-F16.gguf");
            assertEquals(source.size(), in.tensors().size());
            for (TensorInfo t : in.tensors()) {
                assertEquals(source.get(t.name()).sha256(), sha256(in, t), t.name());
            }
        }
    }

    /** The per-tensor types alone: no quantizer needed. */
    @ParameterizedTest
    @MethodSource("mixes")
    void the_mix_chooses_llama_quantizes_type_for_every_tensor(String mix) {
        Map<String, Expected> expected = digests.get("quant-mix-" + mix + ".gguf");
        try (ModelFile in = PLUGINS.open(SOURCE)) {
            List<QuantMix.Tensor> tensors = in.tensors().stream().map(t -> new QuantMix.Tensor(t.name(), t.shape())).toList();
            Map<String, GgmlType> chosen = new LinkedHashMap<>();
            QuantMix.choose(FileType.parse(mix), QuantMix.Model.of(in.metadata()), tensors)
                    .forEach(c -> chosen.put(c.tensor(), c.type()));
            assertEquals(expected.keySet(), new TreeSet<>(in.tensors().stream().map(TensorInfo::name).toList()));
            List<String> wrong = new ArrayList<>();
            for (TensorInfo t : in.tensors()) {
                GgmlType got = chosen.getOrDefault(t.name(), t.type());
                if (got != expected.get(t.name()).type()) {
                    wrong.add(t.name() + ": " + got + ", llama-quantize " + expected.get(t.name()).type());
                }
            }
            assertEquals(List.of(), wrong, mix);
        }
    }

    /** {@code kiln quantize IN OUT MIX}: every tensor's type and bytes, the metadata, and the whole file where known. */
    @ParameterizedTest
    @MethodSource("mixes")
    void kiln_quantize_writes_llama_quantizes_bytes(String mix, @TempDir Path dir) throws IOException {
        Map<String, Expected> expected = digests.get("quant-mix-" + mix + ".gguf");
        QuantTypes types = PLUGINS.quantTypeTable();
        List<GgmlType> missing = expected.values().stream().map(Expected::type).distinct()
                .filter(t -> types.find(t).isEmpty()).toList();
        Assumptions.assumeTrue(missing.isEmpty(), () -> mix + " waits for the quant plugins " + missing);

        Path out = dir.resolve("quant-mix-" + mix + ".gguf");
        KilnRun run = KilnRun.of("quantize", SOURCE.toString(), out.toString(), mix, "-t", "2");
        assertEquals(0, run.status(), run::toString);
        try (ModelFile got = PLUGINS.open(out); ModelFile in = PLUGINS.open(SOURCE)) {
            assertEquals(expected.size(), got.tensors().size());
            List<String> wrong = new ArrayList<>();
            for (TensorInfo t : got.tensors()) {
                Expected e = expected.get(t.name());
                if (e == null || e.type() != t.type() || !e.sha256().equals(sha256(got, t))) {
                    wrong.add(t.name() + " " + t.type() + (e == null ? " (not in llama-quantize's output)"
                            : e.type() != t.type() ? " (llama-quantize: " + e.type() + ")" : " bytes differ"));
                }
            }
            assertEquals(List.of(), wrong, mix);
            assertEquals(FileType.parse(mix).id(), got.metadata().getLong("general.file_type"));
            assertEquals(2, got.metadata().getLong("general.quantization_version"));
            for (String key : in.metadata().keys()) {
                if (!key.equals("general.file_type")) {
                    assertEquals(in.metadata().get(key), got.metadata().get(key), key + " not copied");
                }
            }
        }
        String whole = wholeFiles.get(out.getFileName().toString());
        if (whole != null) {
            assertEquals(whole, sha256(out), "the whole file differs from llama-quantize's");
        }
    }

    /** tiny-kquant's four llama-quantize outputs are kept whole: kiln quantize's file equals each, byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_K_M", "Q6_K"})
    void kiln_quantize_writes_llama_quantizes_whole_file_for_tiny_kquant(String mix, @TempDir Path dir) throws IOException {
        Path kquant = GenerateCommandTest.FIXTURES.resolve("models/tiny-kquant");
        Path out = dir.resolve("tiny-kquant-" + mix + ".gguf");
        KilnRun run = KilnRun.of("quantize", kquant.resolve("tiny-kquant-F16.gguf").toString(), out.toString(), mix, "-t", "2");
        assertEquals(0, run.status(), run::toString);
        assertEquals(-1, Files.mismatch(kquant.resolve("tiny-kquant-" + mix + ".gguf"), out), "first differing byte");
    }

    @Test
    void a_type_name_means_its_mix_and_pure_keeps_one_type(@TempDir Path dir) {
        Assumptions.assumeTrue(PLUGINS.quantTypeTable().find(GgmlType.Q8_0).isPresent());
        Path mixed = dir.resolve("mixed.gguf");
        Path pure = dir.resolve("pure.gguf");
        KilnRun q6 = KilnRun.of("quantize", SOURCE.toString(), mixed.toString(), "q6_k", "-t", "2");
        assertEquals(0, q6.status(), q6::toString);
        assertTrue(q6.err().contains("blk.0.ffn_down.weight: rows of 576 are not a multiple of Q6_K's 256-element blocks; using Q8_0"),
                q6::toString);
        KilnRun q8 = KilnRun.of("quantize", SOURCE.toString(), pure.toString(), "Q8_0", "--pure", "-t", "2");
        assertEquals(0, q8.status(), q8::toString);
        try (ModelFile m = PLUGINS.open(mixed); ModelFile p = PLUGINS.open(pure)) {
            assertEquals(GgmlType.Q8_0, m.tensor("blk.3.ffn_down.weight").orElseThrow().type());
            assertEquals(GgmlType.Q6_K, m.tensor("output.weight").orElseThrow().type());
            for (TensorInfo t : p.tensors()) {
                assertEquals(t.rank() < 2 ? GgmlType.F32 : GgmlType.Q8_0, t.type(), t.name());
            }
            assertEquals(FileType.Q8_0.id(), p.metadata().getLong("general.file_type"));
        }
    }

    private static String sha256(ModelFile file, TensorInfo t) {
        MessageDigest md = sha256();
        md.update(file.data(t).asByteBuffer());
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
