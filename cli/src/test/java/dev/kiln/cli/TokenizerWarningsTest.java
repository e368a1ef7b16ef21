package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.ValueType;
import dev.kiln.runtime.PluginLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, finding 10: BOS/EOS ids outside the vocabulary and token types outside the enum were
 * accepted silently. They still load, as in llama.cpp ("bad special token"), with a warning.
 */
class TokenizerWarningsTest {
    private static final Path SPM = GenerateCommandTest.FIXTURES.resolve("vocab/ggml-vocab-llama-spm.gguf");

    @TempDir
    Path dir;

    @Test
    void special_ids_outside_the_vocabulary_warn_and_fall_back() {
        Path file = dir.resolve("bad-ids.gguf");
        ModelFormat gguf = PluginLoader.load(dir.resolve("none")).format("gguf");
        try (ModelFile source = gguf.open(SPM)) {
            gguf.create(file).putAll(source.metadata())
                    .put("tokenizer.ggml.bos_token_id", MetadataValue.ofUint32(99999))
                    .put("tokenizer.ggml.eos_token_id", MetadataValue.ofUint32(32000))
                    .write();
        }
        KilnRun run = KilnRun.of("tokenize", "-m", file.toString(), "Hello");
        assertEquals(0, run.status(), run::toString);
        assertEquals("1 15043\n", run.out(), "the default BOS (1) is used");
        assertTrue(run.err().contains("kiln: warning: tokenizer.ggml.bos_token_id is 99999, outside the vocabulary of 32000 "
                + "tokens; using 1 instead\n"), run::toString);
        assertTrue(run.err().contains("kiln: warning: tokenizer.ggml.eos_token_id is 32000, outside the vocabulary of 32000 "
                + "tokens; using 2 instead\n"), run::toString);
    }

    @Test
    void token_types_outside_the_enum_warn_once() {
        Path file = dir.resolve("bad-types.gguf");
        ModelFormat gguf = PluginLoader.load(dir.resolve("none")).format("gguf");
        try (ModelFile source = gguf.open(SPM)) {
            long[] types = ((long[]) source.metadata().getArray("tokenizer.ggml.token_type").values()).clone();
            types[100] = 9;
            types[200] = -4;
            gguf.create(file).putAll(source.metadata())
                    .put("tokenizer.ggml.token_type", MetadataValue.ofArray(MetadataArray.ofIntegers(ValueType.INT32, types)))
                    .write();
        }
        KilnRun run = KilnRun.of("tokenize", "-m", file.toString(), "Hello");
        assertEquals(0, run.status(), run::toString);
        assertEquals("kiln: warning: tokenizer.ggml.token_type has 2 values outside the token types 0-6 (first: token 100 "
                + "is 9); treated as undefined\n", run.err());
    }
}
