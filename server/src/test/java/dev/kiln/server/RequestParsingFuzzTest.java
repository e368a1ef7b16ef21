package dev.kiln.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kiln.runtime.generate.GenerateParams;

/**
 * Jazzer fuzz target for request parsing: any body, for either endpoint, is either a request
 * whose parameters are in range, or an {@link ApiError} with status 400, a one-line message of
 * bounded length and a known code. Nothing else may escape (no 5xx for bad input).
 *
 * <p>{@code mvn verify} replays the committed inputs in
 * {@code src/test/resources/dev/kiln/server/RequestParsingFuzzTestInputs/parse}; fuzz it with
 * {@code JAZZER_FUZZ=1 mvn -pl server test -Dtest=RequestParsingFuzzTest}.
 */
class RequestParsingFuzzTest {
    private static final int VOCABULARY = 512;
    private static final int MAX_MESSAGE = 400;

    @FuzzTest(maxDuration = "10m")
    void parse(FuzzedDataProvider data) {
        CompletionRequest.Kind kind = data.consumeBoolean() ? CompletionRequest.Kind.CHAT : CompletionRequest.Kind.TEXT;
        byte[] body = data.consumeRemainingAsBytes();
        CompletionRequest request;
        try {
            request = CompletionRequest.parse(kind, body, VOCABULARY);
        } catch (ApiError e) {
            assertEquals(400, e.status, e.getMessage());
            assertEquals("invalid_request_error", e.type);
            assertTrue(e.code.matches("[a-z_]+"), e.code);
            String message = e.getMessage();
            assertTrue(message.length() <= MAX_MESSAGE, () -> message.length() + " characters: " + message);
            assertFalse(message.chars().anyMatch(c -> c == '\n' || c == '\r'), message);
            // the error always serializes as OpenAI's shape
            assertTrue(new String(OpenAiJson.error(e), java.nio.charset.StandardCharsets.UTF_8).startsWith("{\"error\":{"));
            return;
        }
        assertEquals(kind, request.kind());
        GenerateParams p = request.params();
        assertTrue(p.maxTokens() == -1 || p.maxTokens() >= 1, "max tokens " + p.maxTokens());
        assertTrue(p.sampling().temperature() >= 0 && p.sampling().temperature() <= 2);
        assertTrue(p.stop().size() <= CompletionRequest.MAX_STOP_STRINGS);
        switch (request.prompt()) {
            case CompletionRequest.Prompt.Chat chat -> {
                assertEquals(CompletionRequest.Kind.CHAT, kind);
                assertFalse(chat.messages().isEmpty());
                chat.messages().forEach(m -> assertTrue(m.role().matches("system|user|assistant"), m.role()));
            }
            case CompletionRequest.Prompt.Text text -> assertEquals(CompletionRequest.Kind.TEXT, kind);
            case CompletionRequest.Prompt.Ids ids -> {
                assertTrue(ids.ids().length > 0);
                for (int id : ids.ids()) {
                    assertTrue(id >= 0 && id < VOCABULARY, "id " + id);
                }
            }
        }
    }
}
