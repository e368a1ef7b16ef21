package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.runtime.PluginLoader;
import dev.kiln.runtime.Plugins;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln quantize --pure} against the fixtures stories260K-Q8_0/Q4_0.gguf, which gguf-py's
 * reference quantizer wrote with llama-quantize --pure's rules: every tensor has the same type,
 * shape and bytes, the metadata is copied and general.file_type is llama.cpp's. (Without
 * --pure, llama-quantize refuses this model: its 172-wide ffn_down rows have no fallback type for
 * Q8_0 or Q4_0; so does Kiln. The mixes are {@link LlamaQuantizeMixTest}'s.)
 */
class QuantizeCommandTest {
    private static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    private static final Plugins PLUGINS = new Plugins(PluginLoader.discoverBuiltIn());

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0"})
    void quantize_stories260K_equals_the_reference_quantizer(String type) {
        Path source = FIXTURES.resolve("models/stories260K.gguf");
        Path out = dir.resolve("out-" + type + ".gguf");
        KilnRun run = KilnRun.of("quantize", source.toString(), out.toString(), type, "--pure", "-t", "2");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.err().contains("blk.0.ffn_down.weight: rows of 172 are not a multiple of " + type
                + "'s 32-element blocks; keeping F32"), run::toString);

        try (ModelFile expected = PLUGINS.open(FIXTURES.resolve("models/stories260K-" + type + ".gguf"));
             ModelFile actual = PLUGINS.open(out);
             ModelFile original = PLUGINS.open(source)) {
            // llama-quantize writes the tensors in its loader's order (blk.N after the others), gguf-py kept the input's
            assertEquals(expected.tensors().size(), actual.tensors().size());
            for (TensorInfo want : expected.tensors()) {
                TensorInfo got = actual.tensor(want.name()).orElseThrow();
                assertEquals(want.type(), got.type(), want.name());
                assertEquals(java.util.Arrays.toString(want.shape()), java.util.Arrays.toString(got.shape()), want.name());
                assertEquals(0, got.offset() % actual.alignment(), want.name() + " is not aligned");
                MemorySegment a = expected.data(want);
                MemorySegment b = actual.data(got);
                assertEquals(-1, a.mismatch(b), want.name() + " bytes differ from the reference quantizer");
            }
            assertEquals(expected.metadata().getLong("general.file_type"), actual.metadata().getLong("general.file_type"));
            for (String key : original.metadata().keys()) {
                if (!key.equals("general.file_type")) {
                    assertEquals(original.metadata().get(key), actual.metadata().get(key), key + " not copied");
                }
            }
        }
    }

    /**
     * llama.cpp's fallback for rows that IQ4_XS's 256-value super-blocks do not fit: stories260K's
     * rows of 64 become IQ4_NL, its rows of 172 (not whole 32-value blocks either) stay F32, and
     * the file says IQ4_XS (general.file_type 30) as llama-quantize's would.
     */
    @Test
    void iq4_xs_falls_back_to_iq4_nl_for_narrow_rows() {
        Path out = dir.resolve("out-IQ4_XS.gguf");
        // --pure: every matrix IQ4_XS or its fallback (the IQ4_XS mix would put output.weight in Q6_K's fallback, Q8_0)
        KilnRun run = KilnRun.of("quantize", "--pure", FIXTURES.resolve("models/stories260K.gguf").toString(), out.toString(),
                "IQ4_XS", "-t", "2");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.err().contains("blk.0.attn_q.weight: rows of 64 are not a multiple of IQ4_XS's 256-element blocks; "
                + "using IQ4_NL"), run::toString);
        try (ModelFile actual = PLUGINS.open(out)) {
            assertEquals(30, actual.metadata().getLong("general.file_type"));
            for (TensorInfo t : actual.tensors()) {
                GgmlType want = t.rank() < 2 || t.name().contains("_norm") ? GgmlType.F32
                        : t.columns() == 172 ? GgmlType.F32 : GgmlType.IQ4_NL;
                assertEquals(want, t.type(), t.name());
            }
        }
    }

    @Test
    void an_unknown_type_lists_the_available_ones() {
        KilnRun run = KilnRun.of("quantize", FIXTURES.resolve("models/stories260K.gguf").toString(),
                dir.resolve("x.gguf").toString(), "Q9_9");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("Q9_9") && run.err().contains("Q8_0"), run::toString);
    }

    @Test
    void without_pure_a_tensor_with_no_fallback_is_refused_as_llama_quantize_does() {
        KilnRun run = KilnRun.of("quantize", FIXTURES.resolve("models/stories260K.gguf").toString(),
                dir.resolve("x.gguf").toString(), "Q8_0");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("blk.0.ffn_down.weight: rows of 172 elements are not a multiple of Q8_0's 32-element blocks")
                && run.err().contains("pure"), run::toString);
        assertTrue(java.nio.file.Files.notExists(dir.resolve("x.gguf")), "nothing is written");
    }

    @Test
    void a_quantized_input_is_refused() {
        KilnRun run = KilnRun.of("quantize", FIXTURES.resolve("models/stories260K-Q8_0.gguf").toString(),
                dir.resolve("x.gguf").toString(), "Q4_0");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("is Q8_0") && run.err().contains("F32, F16 or BF16"), run::toString);
    }

    @Test
    void check_plugin_refuses_a_file_that_is_not_a_jar() {
        KilnRun missing = KilnRun.of("check-plugin", dir.resolve("absent.jar").toString());
        assertEquals(1, missing.status(), missing::toString);
        KilnRun notJar = KilnRun.of("check-plugin", FIXTURES.resolve("models/stories260K.gguf").toString());
        assertEquals(1, notJar.status(), notJar::toString);
        assertTrue(notJar.err().startsWith("kiln: plugin jar ") && notJar.err().contains("stories260K.gguf"), notJar::toString);
    }
}
