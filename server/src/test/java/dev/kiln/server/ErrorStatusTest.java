package dev.kiln.server;

import static dev.kiln.server.TestServers.get;
import static dev.kiln.server.TestServers.json;
import static dev.kiln.server.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.batch.BatchOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every kind of bad input gets its OpenAI-shaped error with the right status, never a 5xx and
 * never a stack trace: 400 malformed / missing / wrongly typed / out of range / too long for the
 * context, 401 wrong key, 404 unknown model or URL, 405 wrong method, 413 too large, 429 queue full.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorStatusTest {
    private static final String KEY = "sk-errors";
    private static final String AUTH = "Bearer " + KEY;
    private static final long BODY_LIMIT = 4096;
    private KilnModel model;
    private KilnServer server;

    @BeforeAll
    void start() {
        model = TestServers.load();
        // one slot of 64 tokens, no waiting queue: small limits to run into
        server = KilnServer.start(model, TestServers.options().withApiKey(KEY).withMaxBodyBytes(BODY_LIMIT)
                .withBatch(new BatchOptions(1, 64, 0, BatchOptions.DEFAULT_PREFILL_CHUNK)));
    }

    @AfterAll
    void stop() {
        server.close();
        model.close();
    }

    /** Checks the status and OpenAI's error shape; returns the error object. */
    static JsonNode assertError(HttpResponse<String> response, int status, String code, String param) {
        String body = response.body();
        assertEquals(status, response.statusCode(), body);
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""), body);
        assertFalse(body.contains("Exception") || body.contains("\tat ") || body.contains("\n"), "no stack trace: " + body);
        JsonNode error = json(body).get("error");
        assertTrue(error != null && error.isObject(), body);
        assertTrue(error.get("message").isTextual() && !error.get("message").asText().isBlank(), body);
        assertTrue(error.get("type").isTextual(), body);
        assertTrue(error.has("param") && error.has("code"), body);
        if (code != null) {
            assertEquals(code, error.get("code").asText(), body);
        }
        if (param == null) {
            assertTrue(error.get("param").isNull(), body);
        } else {
            assertEquals(param, error.get("param").asText(), body);
        }
        return error;
    }

    @ParameterizedTest(name = "{0} {1} -> {3} {4}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // malformed JSON, not an object
        "/v1/chat/completions | `{\"messages\": [` | 400 | invalid_json |",
        "/v1/completions | `{\"prompt\": \"a\"} trailing` | 400 | invalid_json |",
        "/v1/completions | `[1, 2]` | 400 | invalid_type |",
        "/v1/completions | `` | 400 | invalid_json |",
        "/v1/completions | `{\"prompt\": NaN}` | 400 | invalid_json |",
        // missing fields
        "/v1/chat/completions | `{\"model\": \"stories260K\"}` | 400 | missing_required_parameter | messages",
        "/v1/completions | `{\"max_tokens\": 3}` | 400 | missing_required_parameter | prompt",
        "/v1/chat/completions | `{\"messages\": [{\"content\": \"hi\"}]}` | 400 | missing_required_parameter | messages[0].role",
        "/v1/chat/completions | `{\"messages\": [{\"role\": \"user\"}]}` | 400 | missing_required_parameter | messages[0].content",
        // wrongly typed fields
        "/v1/chat/completions | `{\"messages\": \"hi\"}` | 400 | invalid_type | messages",
        "/v1/chat/completions | `{\"messages\": [\"hi\"]}` | 400 | invalid_type | messages[0]",
        "/v1/completions | `{\"prompt\": \"a\", \"temperature\": \"hot\"}` | 400 | invalid_type | temperature",
        "/v1/completions | `{\"prompt\": \"a\", \"max_tokens\": 1.5}` | 400 | invalid_type | max_tokens",
        "/v1/completions | `{\"prompt\": \"a\", \"stream\": \"yes\"}` | 400 | invalid_type | stream",
        "/v1/completions | `{\"prompt\": \"a\", \"stop\": 5}` | 400 | invalid_type | stop",
        "/v1/completions | `{\"prompt\": \"a\", \"stop\": [\"x\", 1]}` | 400 | invalid_type | stop[1]",
        "/v1/completions | `{\"prompt\": \"a\", \"model\": 7}` | 400 | invalid_type | model",
        "/v1/completions | `{\"prompt\": {\"text\": \"a\"}}` | 400 | invalid_type | prompt",
        "/v1/completions | `{\"prompt\": \"a\", \"stream_options\": true}` | 400 | invalid_type | stream_options",
        "/v1/chat/completions | `{\"messages\": [{\"role\": \"user\", \"content\": 3}]}` | 400 | invalid_type | messages[0].content",
        // out-of-range values
        "/v1/completions | `{\"prompt\": \"a\", \"temperature\": 5}` | 400 | invalid_value | temperature",
        "/v1/completions | `{\"prompt\": \"a\", \"top_p\": -0.5}` | 400 | invalid_value | top_p",
        "/v1/completions | `{\"prompt\": \"a\", \"max_tokens\": 0}` | 400 | invalid_value | max_tokens",
        "/v1/completions | `{\"prompt\": \"a\", \"max_tokens\": 99999999999}` | 400 | invalid_value | max_tokens",
        "/v1/completions | `{\"prompt\": \"a\", \"presence_penalty\": 3}` | 400 | invalid_value | presence_penalty",
        "/v1/completions | `{\"prompt\": \"a\", \"frequency_penalty\": -2.5}` | 400 | invalid_value | frequency_penalty",
        "/v1/completions | `{\"prompt\": \"a\", \"seed\": 1e30}` | 400 | invalid_value | seed",
        "/v1/completions | `{\"prompt\": \"a\", \"n\": 0}` | 400 | invalid_value | n",
        "/v1/completions | `{\"prompt\": [1, 99999]}` | 400 | invalid_value | prompt[1]",
        "/v1/completions | `{\"prompt\": []}` | 400 | invalid_value | prompt",
        "/v1/chat/completions | `{\"messages\": []}` | 400 | invalid_value | messages",
        "/v1/chat/completions | `{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}` | 400 | invalid_value | messages[0].role",
        // what the server cannot honour
        "/v1/completions | `{\"prompt\": \"a\", \"n\": 2}` | 400 | unsupported_parameter | n",
        "/v1/completions | `{\"prompt\": [\"a\", \"b\"]}` | 400 | unsupported_parameter | prompt",
        "/v1/completions | `{\"prompt\": \"a\", \"echo\": true}` | 400 | unsupported_parameter | echo",
        "/v1/chat/completions | `{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 3}` | 400 | unsupported_parameter | n",
        "/v1/chat/completions | `{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"logprobs\": true}` | 400 | unsupported_parameter | logprobs",
        "/v1/chat/completions | `{\"messages\": [{\"role\": \"tool\", \"content\": \"hi\"}]}` | 400 | unsupported_parameter | messages[0].role",
        "/v1/chat/completions | `{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}` | 400 | unsupported_parameter | messages[0].content[0].type",
        // a model id that is not the loaded one
        "/v1/completions | `{\"prompt\": \"a\", \"model\": \"gpt-4o\"}` | 404 | model_not_found | model",
        "/v1/chat/completions | `{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"model\": \"llama\"}` | 404 | model_not_found | model",
    })
    void bad_input_gets_its_status(String path, String body, int status, String code, String param) {
        assertError(post(server, path, body, "Authorization", AUTH), status, code, param);
    }

    @Test
    void a_prompt_longer_than_the_context_is_400() {
        String prompt = "Once upon a time ".repeat(30); // over 64 tokens
        assertError(post(server, "/v1/completions", "{\"prompt\": \"" + prompt + "\"}", "Authorization", AUTH), 400,
                "context_length_exceeded", "prompt");
        String chat = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + prompt + "\"}]}";
        assertError(post(server, "/v1/chat/completions", chat, "Authorization", AUTH), 400, "context_length_exceeded",
                "messages");
    }

    @Test
    void a_missing_or_wrong_key_is_401_and_health_needs_none() {
        String body = "{\"prompt\": \"Once\", \"max_tokens\": 2}";
        HttpResponse<String> none = post(server, "/v1/completions", body);
        assertError(none, 401, "invalid_api_key", null);
        assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertError(post(server, "/v1/completions", body, "Authorization", "Bearer sk-wrong"), 401, "invalid_api_key", null);
        assertError(post(server, "/v1/completions", body, "Authorization", KEY), 401, "invalid_api_key", null);
        assertError(get(server, "/v1/models"), 401, "invalid_api_key", null);
        assertError(get(server, "/metrics"), 401, "invalid_api_key", null);
        assertEquals(200, post(server, "/v1/completions", body, "Authorization", AUTH).statusCode());
        assertEquals(200, post(server, "/v1/completions", body, "X-Api-Key", KEY).statusCode());
        assertEquals(200, get(server, "/health").statusCode());
    }

    @Test
    void unknown_urls_and_models_are_404_and_wrong_methods_405() {
        assertError(get(server, "/v1/engines", "Authorization", AUTH), 404, "unknown_url", null);
        assertError(get(server, "/v1/models/gpt-4o", "Authorization", AUTH), 404, "model_not_found", "model");
        HttpResponse<String> wrongMethod = get(server, "/v1/chat/completions", "Authorization", AUTH);
        assertError(wrongMethod, 405, "method_not_allowed", null);
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void a_body_over_the_limit_is_413() {
        String big = "{\"prompt\": \"" + "a".repeat((int) BODY_LIMIT) + "\"}";
        assertError(post(server, "/v1/completions", big, "Authorization", AUTH), 413, "request_too_large", null);
        // far over it: refused by the HTTP layer before the endpoint, in the same shape
        String huge = "{\"prompt\": \"" + "a".repeat((int) BODY_LIMIT * 20) + "\"}";
        assertError(post(server, "/v1/completions", huge, "Authorization", AUTH), 413, "request_too_large", null);
        // the server still works
        assertEquals(200, post(server, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2}", "Authorization", AUTH)
                .statusCode());
    }

    @Test
    void a_full_queue_is_429_with_retry_after() throws Exception {
        // its own server: one slot of 8192 tokens, no waiting queue; the slot runs an endless
        // generation (thousands of tokens) whose stream stays open while the second request comes
        try (KilnServer busy = KilnServer.start(model, TestServers.options()
                .withBatch(new BatchOptions(1, 8192, 0, BatchOptions.DEFAULT_PREFILL_CHUNK)))) {
            HttpRequest endless = HttpRequest.newBuilder(busy.uri().resolve("/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\": \"Once\", \"max_tokens\": -1, \"stream\": true, \"temperature\": 1, \"seed\": 1}"))
                    .build();
            HttpResponse<InputStream> running = TestServers.HTTP.send(endless, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = running.body()) {
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                assertTrue(reader.readLine().startsWith("data: "), "the first request is generating");
                HttpResponse<String> refused = post(busy, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2}");
                assertError(refused, 429, "rate_limit_exceeded", null);
                assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
            }
            // closing the stream cancels the request and frees the slot
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (busy.stats().orElseThrow().activeSlots() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, busy.stats().orElseThrow().activeSlots());
            assertEquals(1, busy.stats().orElseThrow().rejected());
        }
    }
}
