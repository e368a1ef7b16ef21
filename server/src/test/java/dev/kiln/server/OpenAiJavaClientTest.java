package dev.kiln.server;

import static dev.kiln.server.TestServers.MODEL_ID;
import static dev.kiln.server.TestServers.llamaCppContinuation;
import static dev.kiln.server.TestServers.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.GenerateParams;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OpenAI's official Java client against {@code kiln serve} on stories260K: greedy text completions
 * are llama.cpp's text, streamed or not; chat replies are the library's, streamed or not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiJavaClientTest {
    private KilnModel model;
    private KilnServer server;
    private OpenAIClient client;

    @BeforeAll
    void start() {
        model = TestServers.load();
        server = KilnServer.start(model, TestServers.options());
        client = OpenAIOkHttpClient.builder().baseUrl(server.uri() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    void stop() {
        client.close();
        server.close();
        model.close();
    }

    private CompletionCreateParams greedy(String prompt, int maxTokens) {
        return CompletionCreateParams.builder().model(MODEL_ID).prompt(prompt).maxTokens(maxTokens).temperature(0.0).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"p1", "p2", "p3"})
    void completions_are_llama_cpps_greedy_text_whole_and_streamed(String p) {
        Completion whole = client.completions().create(greedy(prompt(p), 128));
        CompletionChoice choice = whole.choices().getFirst();
        assertEquals(llamaCppContinuation(p), choice.text(), p);
        assertEquals(CompletionChoice.FinishReason.LENGTH, choice.finishReason());
        assertEquals(128, whole.usage().orElseThrow().completionTokens());
        assertEquals(model.tokenize(prompt(p)).length, whole.usage().orElseThrow().promptTokens());
        assertEquals(MODEL_ID, whole.model());
        assertTrue(whole.id().startsWith("cmpl-"), whole.id());

        StringBuilder streamed = new StringBuilder();
        List<CompletionChoice.FinishReason> reasons = new ArrayList<>();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(greedy(prompt(p), 128))) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> {
                streamed.append(c.text());
                if (!c._finishReason().isNull() && !c._finishReason().isMissing()) {
                    reasons.add(c.finishReason());
                }
            }));
        }
        assertEquals(choice.text(), streamed.toString(), p + " streamed");
        assertEquals(List.of(CompletionChoice.FinishReason.LENGTH), reasons);
    }

    @Test
    void completion_text_is_what_the_library_generates() {
        String expected = model.generate("Lily and Ben", GenerateParams.greedy(40), t -> { }).text();
        assertEquals(expected, client.completions().create(greedy("Lily and Ben", 40)).choices().getFirst().text());
    }

    @Test
    void chat_whole_and_streamed_is_the_librarys_reply() {
        List<ChatMessage> messages = List.of(ChatMessage.system("You tell stories."), ChatMessage.user("Tell me about Lily."));
        String expected = model.chat(messages, GenerateParams.greedy(60), t -> { }).text();
        assertFalse(expected.isEmpty());
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(MODEL_ID)
                .addSystemMessage("You tell stories.").addUserMessage("Tell me about Lily.")
                .maxCompletionTokens(60).temperature(0.0).build();

        ChatCompletion whole = client.chat().completions().create(params);
        assertEquals(expected, whole.choices().getFirst().message().content().orElseThrow());
        assertTrue(whole.id().startsWith("chatcmpl-"), whole.id());
        assertEquals(60, whole.usage().orElseThrow().completionTokens());

        StringBuilder streamed = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(c -> c.delta().content().ifPresent(streamed::append));
            });
        }
        assertEquals(expected, streamed.toString());
        assertTrue(chunks.getFirst().choices().getFirst().delta().role().isPresent(), "the first chunk names the role");
        ChatCompletionChunk last = chunks.getLast();
        assertTrue(last.choices().isEmpty(), "the usage chunk has no choices");
        assertEquals(60, last.usage().orElseThrow().completionTokens());
        assertEquals(ChatCompletionChunk.Choice.FinishReason.LENGTH,
                chunks.get(chunks.size() - 2).choices().getFirst().finishReason().orElseThrow());
    }

    @Test
    void models_lists_the_loaded_model() {
        var ids = client.models().list().data().stream().map(m -> m.id()).toList();
        assertEquals(List.of(MODEL_ID), ids);
        assertEquals(MODEL_ID, client.models().retrieve(MODEL_ID).id());
    }

    @Test
    void refusals_reach_the_client_as_its_own_exceptions() {
        assertThrows(NotFoundException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model("gpt-4o").prompt("Once").maxTokens(4).build()));
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model(MODEL_ID).prompt("Once").maxTokens(4).n(2).build()));
        assertEquals("n", e.param().orElseThrow());
    }
}
