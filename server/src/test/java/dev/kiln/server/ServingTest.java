package dev.kiln.server;

import static dev.kiln.server.TestServers.events;
import static dev.kiln.server.TestServers.get;
import static dev.kiln.server.TestServers.json;
import static dev.kiln.server.TestServers.jsonString;
import static dev.kiln.server.TestServers.llamaCppPrefix;
import static dev.kiln.server.TestServers.post;
import static dev.kiln.server.TestServers.prompt;
import static dev.kiln.server.TestServers.streamedText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.batch.BatchOptions;
import dev.kiln.runtime.batch.BatchStats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The server as a whole on stories260K: batch invariance through HTTP, slots freed when a client
 * goes away, a graceful stop, the loading phase, {@code /health} and {@code /metrics}.
 */
class ServingTest {

    /** Waits (at most 30 s) for {@code condition}; returns whether it came true. */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    @Test
    void sixteen_concurrent_greedy_requests_get_the_texts_they_get_alone() throws Exception {
        try (KilnModel model = TestServers.load();
             KilnServer server = KilnServer.start(model, TestServers.options().withBatch(BatchOptions.of(16)))) {
            List<String> prompts = List.of("p1", "p2", "p3");
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String p = prompts.get(i % 3);
                int maxTokens = 128 - 7 * i; // they end at different steps, so the batch shrinks as it runs
                boolean stream = i % 2 == 1;
                String body = "{\"model\": \"stories260K\", \"prompt\": " + jsonString(prompt(p)) + ", \"max_tokens\": "
                        + maxTokens + ", \"temperature\": 0, \"stream\": " + stream + "}";
                responses.add(TestServers.HTTP.sendAsync(HttpRequest.newBuilder(server.uri().resolve("/v1/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
                // llama.cpp's greedy text for that prompt, cut at the same token count: what a request gets alone
                expected.add(llamaCppPrefix(model, p, maxTokens));
            }
            for (int i = 0; i < 16; i++) {
                HttpResponse<String> r = responses.get(i).get(120, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                String text = i % 2 == 1 ? streamedText(r.body())
                        : json(r.body()).get("choices").get(0).get("text").asText();
                assertEquals(expected.get(i), text, "request " + i + " among 16");
            }
            BatchStats stats = server.stats().orElseThrow();
            assertEquals(16, stats.completed());
            assertTrue(stats.decodeSteps() < 16 * 64, "the requests shared decode steps: " + stats.decodeSteps());
        }
    }

    @Test
    void a_client_that_goes_away_mid_stream_frees_its_slot() throws Exception {
        try (KilnModel model = TestServers.load();
             KilnServer server = KilnServer.start(model, TestServers.options()
                     .withBatch(BatchOptions.of(2).withContextSize(16384)))) {
            // greedy until the context is full: 16k tokens, far longer than the test takes
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": -1, \"stream\": true, \"temperature\": 0}";
            long generatedAtClose;
            try (Socket socket = new Socket(server.uri().getHost(), server.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("HTTP/1.1 200 OK", in.readLine());
                String line;
                int events = 0;
                while (events < 3 && (line = in.readLine()) != null) {
                    if (line.contains("data: ")) {
                        events++;
                    }
                }
                assertEquals(3, events);
                assertEquals(1, server.stats().orElseThrow().activeSlots());
                generatedAtClose = server.stats().orElseThrow().generatedTokens();
            } // the client goes away
            assertTrue(eventually(() -> server.stats().orElseThrow().activeSlots() == 0), "the slot was freed");
            BatchStats stats = server.stats().orElseThrow();
            assertEquals(1, stats.cancelled());
            assertEquals(0, stats.completed());
            // noticed at a write soon after, far from the 16k tokens the request would have run to
            assertTrue(stats.generatedTokens() < 16000, "generated " + stats.generatedTokens() + ", " + generatedAtClose
                    + " when the client left");
            String metrics = get(server, "/metrics").body();
            assertTrue(metrics.contains("\nkiln_active_slots 0\n"), metrics);
            assertTrue(metrics.contains("\nkiln_streams_aborted_total 1\n"), metrics);
            // the server goes on serving
            assertEquals(200, post(server, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 3}").statusCode());
        }
    }

    @Test
    void stop_ends_running_streams_cleanly_and_refuses_new_requests() throws Exception {
        try (KilnModel model = TestServers.load()) {
            KilnServer server = KilnServer.start(model, TestServers.options().withShutdownGrace(Duration.ZERO));
            CompletableFuture<HttpResponse<String>> running = TestServers.HTTP.sendAsync(
                    HttpRequest.newBuilder(server.uri().resolve("/v1/chat/completions")).POST(HttpRequest.BodyPublishers
                            .ofString("{\"messages\": [{\"role\": \"user\", \"content\": \"Tell a long story\"}], "
                                    + "\"max_tokens\": -1, \"stream\": true, \"temperature\": 1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(eventually(() -> server.stats().orElseThrow().generatedTokens() > 0), "the request runs");
            server.stop();
            HttpResponse<String> r = running.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            List<String> events = events(r.body()); // ends with [DONE]
            JsonNode last = json(events.getLast()).get("choices").get(0);
            // cut short by the stop ("length"), unless the story had already ended ("stop")
            assertTrue(last.get("finish_reason").asText().matches("length|stop"), events.getLast());
            assertEquals(1, server.stats().orElseThrow().completed());
            assertTrue(server.awaitStop(Duration.ZERO));
            server.stop(); // idempotent
        }
    }

    @Test
    void health_is_503_while_loading_then_200() throws Exception {
        KilnServer server = KilnServer.start(TestServers.options());
        try (KilnModel model = TestServers.load()) {
            HttpResponse<String> loading = get(server, "/health");
            ErrorStatusTest.assertError(loading, 503, "unavailable", null);
            assertTrue(loading.body().contains("Loading model"), loading.body());
            ErrorStatusTest.assertError(post(server, "/v1/completions", "{\"prompt\": \"a\"}"), 503, "unavailable", null);
            assertTrue(server.stats().isEmpty());
            server.serve(model);
            HttpResponse<String> ok = get(server, "/health");
            assertEquals(200, ok.statusCode());
            assertEquals("ok", json(ok.body()).get("status").asText());
            assertEquals(200, get(server, "/v1/health").statusCode());
        } finally {
            server.stop();
        }
    }

    @Test
    void metrics_count_requests_tokens_and_slots() throws Exception {
        try (KilnModel model = TestServers.load();
             KilnServer server = KilnServer.start(model, TestServers.options())) {
            assertEquals(200, post(server, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 5, \"temperature\": 0}")
                    .statusCode());
            assertEquals(400, post(server, "/v1/completions", "{\"prompt\": 5}").statusCode());
            HttpResponse<String> r = get(server, "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            String m = r.body();
            for (String line : List.of("kiln_requests_total{endpoint=\"/v1/completions\",code=\"200\"} 1",
                    "kiln_requests_total{endpoint=\"/v1/completions\",code=\"400\"} 1",
                    "kiln_generations_total{outcome=\"completed\"} 1",
                    "kiln_generated_tokens_total 5", "kiln_prompt_tokens_total 2", "kiln_active_slots 0",
                    "kiln_queue_depth 0", "kiln_slots 4", "# TYPE kiln_tokens_per_second gauge")) {
                assertTrue(m.contains("\n" + line + "\n"), line + " in\n" + m);
            }
        }
    }
}
