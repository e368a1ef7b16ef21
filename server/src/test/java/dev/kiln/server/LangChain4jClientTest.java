package dev.kiln.server;

import static dev.kiln.server.TestServers.MODEL_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.GenerateParams;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * LangChain4j's {@code OpenAiChatModel} and {@code OpenAiStreamingChatModel} against
 * {@code kiln serve} with an API key: at temperature 0 the streamed reply is the whole reply,
 * and both are what the library's {@code chat} gives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LangChain4jClientTest {
    private static final String KEY = "sk-kiln-test";
    private KilnModel model;
    private KilnServer server;

    @BeforeAll
    void start() {
        model = TestServers.load();
        server = KilnServer.start(model, TestServers.options().withApiKey(KEY));
    }

    @AfterAll
    void stop() {
        server.close();
        model.close();
    }

    private String base() {
        return server.uri() + "/v1";
    }

    @Test
    void chat_whole_and_streamed_is_the_librarys_reply() throws Exception {
        String expected = model.chat(List.of(ChatMessage.system("You tell stories."), ChatMessage.user("Who is Ben?")),
                GenerateParams.greedy(48), t -> { }).text();
        assertFalse(expected.isEmpty());
        ChatRequest request = ChatRequest.builder()
                .messages(SystemMessage.from("You tell stories."), UserMessage.from("Who is Ben?")).build();

        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(base()).apiKey(KEY).modelName(MODEL_ID)
                .temperature(0.0).maxTokens(48).maxRetries(0).build();
        ChatResponse whole = chat.chat(request);
        assertEquals(expected, whole.aiMessage().text());
        assertEquals(FinishReason.LENGTH, whole.finishReason());
        assertEquals(48, whole.tokenUsage().outputTokenCount());
        assertEquals(MODEL_ID, whole.modelName());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(base()).apiKey(KEY)
                .modelName(MODEL_ID).temperature(0.0).maxTokens(48).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String piece) {
                partial.append(piece);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse streamed = done.get(60, TimeUnit.SECONDS);
        assertEquals(expected, partial.toString());
        assertEquals(expected, streamed.aiMessage().text());
        assertEquals(FinishReason.LENGTH, streamed.finishReason());
        assertEquals(48, streamed.tokenUsage().outputTokenCount());
    }

    @Test
    void a_single_user_message_in_the_simple_api() {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(base()).apiKey(KEY).modelName(MODEL_ID)
                .temperature(0.0).maxTokens(20).maxRetries(0).build();
        String expected = model.chat(List.of(ChatMessage.user("Hello")), GenerateParams.greedy(20), t -> { }).text();
        assertEquals(expected, chat.chat("Hello"));
    }

    @Test
    void a_wrong_key_is_refused() {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(base()).apiKey("sk-wrong").modelName(MODEL_ID)
                .maxTokens(4).maxRetries(0).build();
        RuntimeException e = assertThrows(RuntimeException.class, () -> chat.chat("Hello"));
        assertTrue(String.valueOf(e.getMessage()).contains("API key"), String.valueOf(e.getMessage()));
    }
}
