package dev.kiln.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The test model (stories260K), its llama.cpp reference texts, and plain HTTP calls to a server. */
final class TestServers {
    static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    static final Path STORIES = FIXTURES.resolve("models/stories260K.gguf");
    static final Path EXPECTED = FIXTURES.resolve("models/stories260K.expected");
    static final String MODEL_ID = "stories260K";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private TestServers() {
    }

    static KilnModel load() {
        return Kiln.load(STORIES, ModelOptions.defaults().withThreads(2));
    }

    /** Default options on a free port. */
    static ServerOptions options() {
        return ServerOptions.defaults().withPort(0);
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fixture prompt {@code p} (p1, p2, p3). */
    static String prompt(String p) {
        return read(EXPECTED.resolve(p).resolve("prompt.txt"));
    }

    /** llama.cpp's greedy continuation of fixture prompt {@code p} (128 tokens, F32). */
    static String llamaCppContinuation(String p) {
        String prompt = prompt(p);
        String reference = read(EXPECTED.resolve(p).resolve("llamacpp_F32_text.txt"));
        assertTrue(reference.startsWith(prompt));
        return reference.substring(prompt.length());
    }

    /** The text of llama.cpp's first {@code n} greedy tokens for fixture prompt {@code p}. */
    static String llamaCppPrefix(KilnModel m, String p, int n) {
        String[] ids = read(EXPECTED.resolve(p).resolve("llamacpp_F32_gen_ids.txt")).trim().split("\\s+");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            text.writeBytes(m.tokenizer().piece(Integer.parseInt(ids[i])));
        }
        String s = text.toString(StandardCharsets.UTF_8);
        assertTrue(llamaCppContinuation(p).startsWith(s));
        return s;
    }

    static HttpResponse<String> post(KilnServer server, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    static HttpResponse<String> get(KilnServer server, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    static String jsonString(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The events of a server-sent event stream: each {@code data:} payload; the last must be {@code [DONE]}. */
    static List<String> events(String body) {
        List<String> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            assertTrue(block.startsWith("data: "), () -> "not an SSE data event: " + block);
            events.add(block.substring("data: ".length()));
        }
        assertEquals("[DONE]", events.getLast(), "the stream ends with [DONE]");
        return events.subList(0, events.size() - 1);
    }

    /** The text of a streamed completion (chat deltas or text chunks). */
    static String streamedText(String body) {
        StringBuilder text = new StringBuilder();
        for (String e : events(body)) {
            for (JsonNode choice : json(e).get("choices")) {
                JsonNode piece = choice.has("delta") ? choice.get("delta").get("content") : choice.get("text");
                if (piece != null && !piece.isNull()) {
                    text.append(piece.asText());
                }
            }
        }
        return text.toString();
    }
}
