package dev.kiln.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.model.NumericException;
import dev.kiln.api.model.Session;
import dev.kiln.model.llama.FixtureModels.Loaded;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading checks and bad input: shapes, missing tensors, tied output, context overflow, NaN. */
class LlamaLoadTest {
    private static final Path STORIES = FixtureModels.models().resolve("stories260K.gguf");

    @TempDir
    Path tmp;

    /** What to do with one tensor when rewriting a model: keep, drop, or replace shape and bytes. */
    private record Change(long[] shape, Function<MemorySegment, MemorySegment> data) {
        static final Change DROP = new Change(null, null);
    }

    /** Copies stories260K with some tensors changed, and some metadata overridden. */
    private Path rewrite(String name, Map<String, Change> changes, Map<String, MetadataValue> metadata) {
        return rewrite(name, changes, metadata, Map.of());
    }

    /** As above, plus new F32 tensors. */
    private Path rewrite(String name, Map<String, Change> changes, Map<String, MetadataValue> metadata,
                         Map<String, float[]> added) {
        Path out = tmp.resolve(name);
        try (ModelFile src = FixtureModels.gguf().open(STORIES)) {
            ModelWriter w = FixtureModels.gguf().create(out);
            w.putAll(src.metadata());
            metadata.forEach(w::put);
            for (TensorInfo t : src.tensors()) {
                Change c = changes.get(t.name());
                if (c == Change.DROP) {
                    continue;
                }
                MemorySegment data = src.data(t);
                long[] shape = c == null ? t.shape() : c.shape();
                MemorySegment bytes = c == null ? data : c.data().apply(data);
                w.addTensor(t.name(), t.type(), shape, target -> target.copyFrom(bytes.asSlice(0, target.byteSize())));
            }
            added.forEach((tensor, values) -> w.addTensor(tensor, dev.kiln.api.GgmlType.F32, new long[] {values.length},
                    target -> target.copyFrom(MemorySegment.ofArray(littleEndian(values)))));
            w.write();
        }
        return out;
    }

    @Test
    void wrongShapeIsNamedAtLoad() {
        Path bad = rewrite("bad-shape.gguf", Map.of("blk.1.attn_q.weight", new Change(new long[] {64, 32}, d -> d)), Map.of());
        KilnException e = assertThrows(KilnException.class, () -> FixtureModels.load(bad, 1).close());
        assertTrue(e.getMessage().contains("blk.1.attn_q.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("[64, 32]") && e.getMessage().contains("[64, 64]"), e.getMessage());
    }

    @Test
    void missingTensorIsNamedAtLoad() {
        Path bad = rewrite("missing.gguf", Map.of("blk.3.ffn_up.weight", Change.DROP), Map.of());
        KilnException e = assertThrows(KilnException.class, () -> FixtureModels.load(bad, 1).close());
        assertTrue(e.getMessage().contains("blk.3.ffn_up.weight") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void inconsistentHyperParametersAreNamed() {
        Path bad = rewrite("heads.gguf", Map.of(), Map.of("llama.attention.head_count_kv", MetadataValue.ofUint32(3)));
        KilnException e = assertThrows(KilnException.class, () -> FixtureModels.load(bad, 1).close());
        assertTrue(e.getMessage().contains("llama.attention.head_count_kv"), e.getMessage());
    }

    @Test
    void tiedEmbeddingsWhenOutputIsAbsent() {
        // stories260K's output.weight is a copy of its token embedding, so dropping it must not
        // change a single greedy token
        Path tied = rewrite("tied.gguf", Map.of("output.weight", Change.DROP), Map.of());
        Path p1 = FixtureModels.models().resolve("stories260K.expected/p1");
        try (Loaded m = FixtureModels.load(tied, 1)) {
            FixtureModels.Greedy g = FixtureModels.greedy(m.model(), FixtureModels.ids(p1.resolve("prompt_ids.txt")), 128, 0);
            assertArrayEquals(FixtureModels.ids(p1.resolve("llamacpp_F32_gen_ids.txt")), g.ids());
        }
    }

    private static byte[] littleEndian(float[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    @Test
    void ropeFrequencyFactorsAreReadAndChecked() {
        // head_dim 8: 4 pairs. Factors of 1 leave llama.cpp's tokens unchanged; 4 factors of 2 change the logits.
        Path p1 = FixtureModels.models().resolve("stories260K.expected/p1");
        int[] prompt = FixtureModels.ids(p1.resolve("prompt_ids.txt"));
        Path ones = rewrite("ones.gguf", Map.of(), Map.of(), Map.of("rope_freqs.weight", new float[] {1, 1, 1, 1}));
        try (Loaded m = FixtureModels.load(ones, 1)) {
            FixtureModels.Greedy g = FixtureModels.greedy(m.model(), prompt, 32, 1);
            assertArrayEquals(Arrays.copyOf(FixtureModels.ids(p1.resolve("llamacpp_F32_gen_ids.txt")), 32), g.ids());
        }
        Path twos = rewrite("twos.gguf", Map.of(), Map.of(), Map.of("rope_freqs.weight", new float[] {2, 2, 2, 2}));
        try (Loaded plain = FixtureModels.load(STORIES, 1); Loaded m = FixtureModels.load(twos, 1)) {
            float[] a = plain.model().newSession(32).forward(prompt, 0, prompt.length, false);
            float[] b = m.model().newSession(32).forward(prompt, 0, prompt.length, false);
            assertTrue(FixtureModels.maxAbsDiff(a, b) > 1e-3, "frequency factors had no effect");
        }
        Path wrong = rewrite("wrong.gguf", Map.of(), Map.of(), Map.of("rope_freqs.weight", new float[] {1, 1, 1}));
        KilnException e = assertThrows(KilnException.class, () -> FixtureModels.load(wrong, 1).close());
        assertTrue(e.getMessage().contains("rope_freqs.weight") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void nanIsReportedWithTheLayerWhereItAppeared() {
        Function<MemorySegment, MemorySegment> poison = d -> {
            MemorySegment copy = MemorySegment.ofArray(new byte[(int) d.byteSize()]);
            copy.copyFrom(d);
            copy.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * 100, Float.NaN);
            return copy;
        };
        Path bad = rewrite("nan.gguf", Map.of("blk.2.ffn_down.weight", new Change(new long[] {172, 64}, poison)), Map.of());
        try (Loaded m = FixtureModels.load(bad, 1)) {
            Session s = m.model().newSession(16);
            NumericException e = assertThrows(NumericException.class, () -> s.forward(new int[] {1, 400, 300}, 0, 3, false));
            assertTrue(e.getMessage().contains("layer 2") && e.getMessage().contains("feed-forward"), e.getMessage());
            assertEquals(0, s.position(), "a failed batch does not advance the session");
        }
    }

    @Test
    void batchPastTheContextIsAClearError() {
        try (Loaded m = FixtureModels.load(STORIES, 1)) {
            Session s = m.model().newSession(8);
            s.forward(new int[] {1, 2, 3, 4, 5}, 0, 5, false);
            KilnException e = assertThrows(KilnException.class, () -> s.forward(new int[] {6, 7, 8, 9}, 0, 4, false));
            assertTrue(e.getMessage().contains("context length of 8"), e.getMessage());
            assertEquals(5, s.position());
            s.forward(new int[] {6, 7, 8}, 0, 3, false); // exactly fills it
            assertEquals(8, s.position());
        }
    }

    @Test
    void tokenOutsideTheVocabularyIsAClearError() {
        try (Loaded m = FixtureModels.load(STORIES, 1)) {
            Session s = m.model().newSession(8);
            KilnException e = assertThrows(KilnException.class, () -> s.forward(new int[] {1, 512}, 0, 2, false));
            assertTrue(e.getMessage().contains("512"), e.getMessage());
        }
    }

    @Test
    void allLogitsEqualStepByStepLogitsAndRewindReplays() {
        try (Loaded m = FixtureModels.load(STORIES, 1)) {
            int[] ids = {1, 403, 407, 261, 378, 300, 301};
            int vocab = m.model().vocabularySize();
            Session batch = m.model().newSession(16);
            float[] all = batch.forward(ids, 0, ids.length, true);
            assertEquals(ids.length * vocab, all.length);
            Session single = m.model().newSession(16);
            for (int i = 0; i < ids.length; i++) {
                float[] one = single.forward(ids, i, 1, false);
                float[] row = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
                assertTrue(FixtureModels.maxAbsDiff(one, row) < 1e-4, "position " + i);
            }
            batch.rewind(4);
            float[] again = batch.forward(ids, 4, 3, false);
            assertArrayEquals(Arrays.copyOfRange(all, 6 * vocab, 7 * vocab), again);
        }
    }
}
