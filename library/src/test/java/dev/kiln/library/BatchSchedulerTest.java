package dev.kiln.library;

import static dev.kiln.library.KilnLibraryTest.EXPECTED;
import static dev.kiln.library.KilnLibraryTest.STORIES;
import static dev.kiln.library.KilnLibraryTest.llamaCppContinuation;
import static dev.kiln.library.KilnLibraryTest.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.batch.BatchHandle;
import dev.kiln.runtime.batch.BatchListener;
import dev.kiln.runtime.batch.BatchOptions;
import dev.kiln.runtime.batch.BatchRequest;
import dev.kiln.runtime.batch.BatchScheduler;
import dev.kiln.runtime.batch.QueueFullException;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.ContextLengthException;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.StopReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Continuous batching on stories260K: results independent of the batch, slots freed, limits kept. */
class BatchSchedulerTest {

    /** Collects one request's output. */
    static final class Collector implements BatchListener {
        final StringBuilder streamed = new StringBuilder();
        final CompletableFuture<Completion> done = new CompletableFuture<>();
        final CountDownLatch firstText = new CountDownLatch(1);
        /** Milliseconds each piece takes to take in: a slow client keeps the request running for the test's actions. */
        final long slowMillis;

        Collector() {
            this(0);
        }

        Collector(long slowMillis) {
            this.slowMillis = slowMillis;
        }

        @Override
        public synchronized void onText(String piece) {
            streamed.append(piece);
            firstText.countDown();
            if (slowMillis > 0) {
                try {
                    Thread.sleep(slowMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onComplete(Completion completion) {
            done.complete(completion);
        }

        @Override
        public void onError(KilnException error) {
            done.completeExceptionally(error);
        }

        Completion get() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }
    }

    /** The text of llama.cpp's first {@code n} greedy tokens for fixture prompt {@code p}. */
    static String llamaCppPrefix(KilnModel m, String p, int n) {
        String[] ids = read(EXPECTED.resolve(p).resolve("llamacpp_F32_gen_ids.txt")).trim().split("\\s+");
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            text.writeBytes(m.tokenizer().piece(Integer.parseInt(ids[i])));
        }
        String s = text.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(llamaCppContinuation(p).startsWith(s));
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"vector", "scalar"})
    void sixteen_concurrent_greedy_requests_each_get_the_text_they_get_alone(String backend) throws Exception {
        try (KilnModel m = Kiln.load(STORIES, ModelOptions.defaults().withBackend(backend).withThreads(2));
             BatchScheduler scheduler = new BatchScheduler(m, BatchOptions.of(16))) {
            List<String> prompts = List.of("p1", "p2", "p3");
            List<Collector> collectors = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String p = prompts.get(i % 3);
                int maxTokens = 128 - 7 * i; // requests end at different steps, so the batch shrinks as it runs
                Collector c = new Collector();
                scheduler.submit(new BatchRequest(m.tokenize(read(EXPECTED.resolve(p).resolve("prompt.txt"))),
                        GenerateParams.greedy(maxTokens)), c);
                collectors.add(c);
                // llama.cpp's greedy continuation, cut at the same token count as this request
                expected.add(llamaCppPrefix(m, p, maxTokens));
            }
            for (int i = 0; i < 16; i++) {
                Completion c = collectors.get(i).get();
                assertEquals(expected.get(i), c.text(), backend + ": request " + i + " among 16");
                assertEquals(c.text(), collectors.get(i).streamed.toString());
                assertEquals(StopReason.TOKEN_LIMIT, c.stopReason());
            }
            assertTrue(scheduler.stats().decodeSteps() < 16 * 128, "the requests shared decode steps");
        }
    }

    @Test
    void sampled_requests_with_a_seed_are_the_same_alone_and_in_a_batch() throws Exception {
        try (KilnModel m = Kiln.load(STORIES, ModelOptions.defaults().withThreads(2))) {
            GenerateParams params = GenerateParams.defaults().withSeed(7).withMaxTokens(60);
            String alone = m.generate("Lily and Ben", params, t -> { }).text();
            try (BatchScheduler scheduler = new BatchScheduler(m, BatchOptions.of(4))) {
                List<Collector> cs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    Collector c = new Collector();
                    GenerateParams p = i == 0 ? params : params.withSeed(100 + i);
                    scheduler.submit(new BatchRequest(m.tokenize(i == 0 ? "Lily and Ben" : "Once upon a time"), p), c);
                    cs.add(c);
                }
                assertEquals(alone, cs.get(0).get().text());
            }
        }
    }

    @Test
    void a_cancelled_request_frees_its_slot() throws Exception {
        try (KilnModel m = Kiln.load(STORIES, ModelOptions.defaults().withThreads(1));
             BatchScheduler scheduler = new BatchScheduler(m, BatchOptions.of(2))) {
            Collector c = new Collector(20);
            BatchHandle h = scheduler.submit(new BatchRequest(m.tokenize("Once upon a time"),
                    GenerateParams.greedy(-1).withSampling(GenerateParams.defaults().sampling().withSeed(1))), c);
            assertTrue(c.firstText.await(30, TimeUnit.SECONDS));
            h.cancel();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (scheduler.stats().activeSlots() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, scheduler.stats().activeSlots());
            assertTrue(h.isDone());
            assertEquals(1, scheduler.stats().cancelled());
            assertTrue(!c.done.isDone(), "a cancelled request's listener hears nothing more");
        }
    }

    @Test
    void a_full_queue_refuses_and_a_long_prompt_is_a_context_error() throws Exception {
        try (KilnModel m = Kiln.load(STORIES, ModelOptions.defaults().withThreads(1));
             BatchScheduler scheduler = new BatchScheduler(m, BatchOptions.of(1).withMaxQueue(1).withContextSize(64))) {
            BatchRequest longRun = new BatchRequest(m.tokenize("Once"), GenerateParams.greedy(60));
            scheduler.submit(longRun, new Collector());
            scheduler.submit(longRun, new Collector());
            assertThrows(QueueFullException.class, () -> {
                // the first may not have its slot yet: a third and fourth cannot both fit
                scheduler.submit(longRun, new Collector());
                scheduler.submit(longRun, new Collector());
            });
            assertTrue(scheduler.stats().rejected() >= 1);
            ContextLengthException e = assertThrows(ContextLengthException.class, () -> scheduler.submit(
                    new BatchRequest(m.tokenize("Once upon a time ".repeat(20)), GenerateParams.greedy(4)), new Collector()));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
        }
    }

    @Test
    void shutdown_ends_running_requests_cleanly_and_fails_waiting_ones() throws Exception {
        try (KilnModel m = Kiln.load(STORIES, ModelOptions.defaults().withThreads(1))) {
            BatchScheduler scheduler = new BatchScheduler(m, BatchOptions.of(1));
            Collector running = new Collector(20);
            Collector waiting = new Collector();
            BatchRequest endless = new BatchRequest(m.tokenize("Once"),
                    GenerateParams.greedy(-1).withSampling(GenerateParams.defaults().sampling().withSeed(3)));
            scheduler.submit(endless, running);
            scheduler.submit(endless, waiting);
            assertTrue(running.firstText.await(30, TimeUnit.SECONDS));
            scheduler.shutdown(Duration.ZERO);
            assertTrue(scheduler.awaitTermination(Duration.ofSeconds(30)));
            assertEquals(StopReason.INTERRUPTED, running.get().stopReason());
            assertEquals(running.streamed.toString(), running.get().text());
            Exception e = assertThrows(Exception.class, waiting::get);
            assertTrue(e.getCause() instanceof KilnException, String.valueOf(e));
            assertThrows(KilnException.class, () -> scheduler.submit(endless, new Collector()));
        }
    }
}
