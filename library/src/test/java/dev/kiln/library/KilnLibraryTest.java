package dev.kiln.library;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.KilnSession;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.StopReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The library API end to end on stories260K, on the class path as applications run it:
 * greedy text equal to llama.cpp's, sessions that keep their cache, concurrent callers.
 */
class KilnLibraryTest {
    static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    static final Path STORIES = FIXTURES.resolve("models/stories260K.gguf");
    static final Path EXPECTED = FIXTURES.resolve("models/stories260K.expected");

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** llama.cpp's greedy continuation of fixture prompt {@code p} (its 128 tokens). */
    static String llamaCppContinuation(String p) {
        String prompt = read(EXPECTED.resolve(p).resolve("prompt.txt"));
        String reference = read(EXPECTED.resolve(p).resolve("llamacpp_F32_text.txt"));
        assertTrue(reference.startsWith(prompt));
        return reference.substring(prompt.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vector", "scalar"})
    void generate_streams_llama_cpps_greedy_text(String backend) {
        try (KilnModel m = Kiln.load(STORIES, ModelOptions.defaults().withBackend(backend).withThreads(2))) {
            assertEquals(backend, m.backendName());
            for (String p : List.of("p1", "p2", "p3")) {
                StringBuilder streamed = new StringBuilder();
                Completion c = m.generate(read(EXPECTED.resolve(p).resolve("prompt.txt")), GenerateParams.greedy(128),
                        streamed::append);
                assertEquals(llamaCppContinuation(p), c.text(), backend + " " + p);
                assertEquals(c.text(), streamed.toString());
                assertEquals(128, c.generatedTokens());
                assertEquals(StopReason.TOKEN_LIMIT, c.stopReason());
            }
        }
    }

    @Test
    void tokenize_and_detokenize_follow_the_vocabulary() {
        try (KilnModel m = Kiln.load(STORIES)) {
            String[] ids = read(EXPECTED.resolve("p1").resolve("prompt_ids.txt")).trim().split(" ");
            int[] expected = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                expected[i] = Integer.parseInt(ids[i]);
            }
            assertArrayEquals(expected, m.tokenize(read(EXPECTED.resolve("p1").resolve("prompt.txt"))));
            assertEquals("Once upon a time", m.detokenize(m.tokenize("Once upon a time", false, false)));
            KilnException e = assertThrows(KilnException.class, () -> m.detokenize(new int[] {5, 512}));
            assertTrue(e.getMessage().contains("512"), e.getMessage());
            assertEquals("stories260K", m.id());
            assertEquals("llama", m.architecture());
        }
    }

    @Test
    void many_threads_share_one_model_and_each_gets_its_own_text() throws Exception {
        try (KilnModel m = Kiln.load(STORIES, ModelOptions.defaults().withThreads(2))) {
            List<String> prompts = List.of("p1", "p2", "p3", "p1", "p2", "p3");
            ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
            try {
                List<Future<String>> texts = new ArrayList<>();
                for (String p : prompts) {
                    texts.add(pool.submit(() -> m.generate(read(EXPECTED.resolve(p).resolve("prompt.txt")),
                            GenerateParams.greedy(128), s -> { }).text()));
                }
                for (int i = 0; i < prompts.size(); i++) {
                    assertEquals(llamaCppContinuation(prompts.get(i)), texts.get(i).get(), "caller " + i);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vector", "scalar"})
    void a_warm_up_run_leaves_no_trace(String backend) {
        KilnModel closed;
        try (KilnModel m = Kiln.load(STORIES, ModelOptions.defaults().withBackend(backend).withThreads(2))) {
            // a session that was already generating, and one started after: both get llama.cpp's text
            KilnSession before = m.newSession();
            Completion first = before.generate("Once upon a time", GenerateParams.greedy(40), t -> { });
            assertTrue(m.warmUp().toNanos() > 0);
            Completion rest = before.generate("", GenerateParams.greedy(88), t -> { });
            assertEquals(llamaCppContinuation("p1"), first.text() + rest.text(), backend);
            assertEquals(llamaCppContinuation("p2"), m.generate(read(EXPECTED.resolve("p2").resolve("prompt.txt")),
                    GenerateParams.greedy(128), t -> { }).text(), backend);
            closed = m;
        }
        KilnException e = assertThrows(KilnException.class, closed::warmUp);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void a_session_keeps_its_cache_across_calls() {
        try (KilnModel m = Kiln.load(STORIES)) {
            String whole = llamaCppContinuation("p1");
            KilnSession s = m.newSession();
            // 40 tokens, then 88 more continuing the same sequence: llama.cpp's 128-token continuation
            Completion first = s.generate("Once upon a time", GenerateParams.greedy(40), t -> { });
            Completion second = s.generate("", GenerateParams.greedy(88), t -> { });
            assertEquals(whole, first.text() + second.text());
            assertEquals(5 + 128 - 1, s.position()); // the last sampled token is not evaluated yet
            s.reset();
            assertEquals(0, s.position());
            assertEquals(first.text(), s.generate("Once upon a time", GenerateParams.greedy(40), t -> { }).text());
        }
    }

    @Test
    void chat_uses_chatml_when_the_model_has_no_template_and_a_session_keeps_the_conversation() {
        try (KilnModel m = Kiln.load(STORIES)) {
            assertEquals("chatml", m.chatTemplate().name());
            Completion alone = m.chat(List.of(ChatMessage.user("Lily")), GenerateParams.greedy(20), t -> { });
            KilnSession s = m.newSession();
            Completion first = s.chat("Lily", GenerateParams.greedy(20), t -> { });
            assertEquals(alone.text(), first.text());
            int before = s.position();
            s.chat("Ben", GenerateParams.greedy(20), t -> { });
            assertTrue(s.position() > before);
            assertEquals(4, s.messages().size());
            assertEquals("Ben", s.messages().get(2).content());
        }
    }

    @Test
    void bad_options_and_a_closed_model_are_clear_errors() {
        KilnException threads = assertThrows(KilnException.class, () -> ModelOptions.defaults().withThreads(-1));
        assertTrue(threads.getMessage().contains("threads"), threads.getMessage());
        KilnException backend = assertThrows(KilnException.class,
                () -> Kiln.load(STORIES, ModelOptions.defaults().withBackend("gpu")));
        assertTrue(backend.getMessage().contains("unknown backend 'gpu'"), backend.getMessage());
        KilnException missing = assertThrows(KilnException.class, () -> Kiln.load(FIXTURES.resolve("nope.gguf")));
        assertTrue(missing.getMessage().contains("nope.gguf"), missing.getMessage());
        KilnModel m = Kiln.load(STORIES);
        m.close();
        KilnException closed = assertThrows(KilnException.class,
                () -> m.generate("Once", GenerateParams.greedy(4), t -> { }));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }
}
