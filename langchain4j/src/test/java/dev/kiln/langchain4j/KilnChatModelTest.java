package dev.kiln.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.SamplingSettings;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** KilnChatModel on stories260K: Kiln's own replies, finish reasons, token usage, refusals, ownership. */
class KilnChatModelTest extends OnStories {

    static KilnChatModel.Builder greedy(int maxTokens) {
        return KilnChatModel.builder().model(kiln).temperature(0.0).maxOutputTokens(maxTokens);
    }

    @Test
    void greedy_reply_is_kiln_models_chat_with_usage_and_length_finish() {
        KilnChatModel model = greedy(40).build();
        ChatResponse r = model.chat(SystemMessage.from("You tell stories."), UserMessage.from("Lily and Ben"));
        Completion expected = greedyChat(40,
                ChatMessage.system("You tell stories."), ChatMessage.user("Lily and Ben"));
        assertEquals(expected.text(), r.aiMessage().text());
        assertFalse(r.aiMessage().text().isBlank());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        int promptTokens = kiln.chatPrompt(List.of(ChatMessage.system("You tell stories."), ChatMessage.user("Lily and Ben"))).length;
        assertEquals(promptTokens, r.tokenUsage().inputTokenCount());
        assertEquals(40, r.tokenUsage().outputTokenCount());
        assertEquals(promptTokens + 40, r.tokenUsage().totalTokenCount());
        assertEquals("stories260K", r.modelName());
        assertEquals("stories260K", r.metadata().modelName());
    }

    @Test
    void a_stop_sequence_ends_the_reply_before_it_with_finish_reason_stop() {
        Completion whole = greedyChat(40, ChatMessage.user("Once upon a time"));
        // a word from the middle of the greedy reply
        String[] words = whole.text().trim().split("\\s+");
        String stop = " " + words[words.length / 2];
        KilnChatModel model = greedy(40).stopSequences(List.of(stop)).build();
        ChatResponse r = model.chat(UserMessage.from("Once upon a time"));
        Completion expected = kiln.chat(List.of(ChatMessage.user("Once upon a time")),
                GenerateParams.greedy(40).withStop(stop), t -> { });
        assertEquals(expected.text(), r.aiMessage().text());
        assertTrue(whole.text().startsWith(r.aiMessage().text() + stop), r.aiMessage().text());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(expected.generatedTokens(), r.tokenUsage().outputTokenCount());
    }

    @Test
    void request_parameters_override_the_defaults() {
        KilnChatModel model = greedy(40).build();
        ChatResponse r = model.chat(ChatRequest.builder().messages(UserMessage.from("Lily"))
                .maxOutputTokens(7).build());
        assertEquals(greedyChat(7, ChatMessage.user("Lily")).text(), r.aiMessage().text());
        assertEquals(7, r.tokenUsage().outputTokenCount());
    }

    @Test
    void a_seed_makes_sampled_replies_repeatable_and_is_kilns_sampler() {
        KilnChatModel model = KilnChatModel.builder().model(kiln).maxOutputTokens(30).build();
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from("Lily"))
                .parameters(KilnChatRequestParameters.builder().temperature(0.9).topK(20).minP(0.02).seed(7L).build())
                .build();
        String first = model.chat(request).aiMessage().text();
        assertEquals(first, model.chat(request).aiMessage().text());
        GenerateParams same = new GenerateParams(30,
                SamplingSettings.defaults(7).withTemperature(0.9f).withTopK(20).withMinP(0.02f), List.of(), false);
        assertEquals(kiln.chat(List.of(ChatMessage.user("Lily")), same, t -> { }).text(), first);
    }

    @Test
    void conversations_map_roles_and_join_text_parts() {
        KilnChatModel model = greedy(20).build();
        ChatResponse r = model.chat(SystemMessage.from("Be kind."), UserMessage.from("Hi"), AiMessage.from("Hello."),
                UserMessage.from(TextContent.from("Tell"), TextContent.from("a story")));
        assertEquals(greedyChat(20, ChatMessage.system("Be kind."), ChatMessage.user("Hi"),
                ChatMessage.assistant("Hello."), ChatMessage.user("Tell\na story")).text(), r.aiMessage().text());
    }

    @Test
    void what_kiln_cannot_do_is_refused_before_generating() {
        KilnChatModel model = greedy(8).build();
        UnsupportedFeatureException image = assertThrows(UnsupportedFeatureException.class, () -> model.chat(
                UserMessage.from(TextContent.from("What is this?"), ImageContent.from("https://example.com/cat.png"))));
        assertTrue(image.getMessage().contains("image content"), image.getMessage());
        ToolSpecification weather = ToolSpecification.builder().name("weather").description("the weather").build();
        UnsupportedFeatureException tools = assertThrows(UnsupportedFeatureException.class, () -> model.chat(
                ChatRequest.builder().messages(UserMessage.from("Rain?")).toolSpecifications(weather).build()));
        assertTrue(tools.getMessage().contains("tools") && tools.getMessage().contains("weather"), tools.getMessage());
        ToolExecutionRequest call = ToolExecutionRequest.builder().id("1").name("weather").arguments("{}").build();
        UnsupportedFeatureException toolCall = assertThrows(UnsupportedFeatureException.class,
                () -> model.chat(UserMessage.from("Rain?"), AiMessage.from(call)));
        assertTrue(toolCall.getMessage().contains("message 1"), toolCall.getMessage());
        UnsupportedFeatureException toolResult = assertThrows(UnsupportedFeatureException.class,
                () -> model.chat(UserMessage.from("Rain?"), ToolExecutionResultMessage.from(call, "sunny")));
        assertTrue(toolResult.getMessage().contains("tool_execution_result messages"), toolResult.getMessage());
        UnsupportedFeatureException json = assertThrows(UnsupportedFeatureException.class, () -> model.chat(
                ChatRequest.builder().messages(UserMessage.from("Rain?")).responseFormat(ResponseFormat.JSON).build()));
        assertTrue(json.getMessage().contains("JSON"), json.getMessage());
        ModelNotFoundException other = assertThrows(ModelNotFoundException.class, () -> model.chat(
                ChatRequest.builder().messages(UserMessage.from("Rain?")).modelName("gpt-4o").build()));
        assertTrue(other.getMessage().contains("gpt-4o") && other.getMessage().contains("stories260K"), other.getMessage());
        InvalidRequestException topP = assertThrows(InvalidRequestException.class, () -> model.chat(
                ChatRequest.builder().messages(UserMessage.from("Rain?")).topP(1.5).build()));
        assertTrue(topP.getMessage().contains("top-p"), topP.getMessage());
        InvalidRequestException maxTokens = assertThrows(InvalidRequestException.class, () -> model.chat(
                ChatRequest.builder().messages(UserMessage.from("Rain?")).maxOutputTokens(0).build()));
        assertTrue(maxTokens.getMessage().contains("maxOutputTokens"), maxTokens.getMessage());
        // a bad default fails when the model is built, not at the first chat
        assertThrows(InvalidRequestException.class, () -> greedy(8).temperature(-1.0).build());
    }

    @Test
    void a_prompt_longer_than_the_context_is_an_invalid_request() {
        try (KilnChatModel model = KilnChatModel.builder().modelPath(MODEL)
                .modelOptions(ModelOptions.defaults().withThreads(1).withContextSize(32)).temperature(0.0).build()) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> model.chat("Once upon a time there was a little girl who liked to play in the park"));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
        }
    }

    @Test
    void listeners_see_the_request_and_the_response_or_the_error() {
        List<Object> seen = new ArrayList<>();
        ChatModelListener listener = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext context) {
                seen.add(context.chatRequest().parameters().maxOutputTokens());
            }

            @Override
            public void onResponse(ChatModelResponseContext context) {
                seen.add(context.chatResponse().finishReason());
            }

            @Override
            public void onError(ChatModelErrorContext context) {
                seen.add(context.error().getClass().getSimpleName());
            }
        };
        KilnChatModel model = greedy(5).listeners(listener).build();
        model.chat("Lily");
        assertThrows(UnsupportedFeatureException.class, () -> model.chat(
                UserMessage.from(ImageContent.from("https://example.com/cat.png"))));
        assertEquals(List.of(5, FinishReason.LENGTH, 5, "UnsupportedFeatureException"), seen);
    }

    @Test
    void concurrent_chats_on_one_model_each_get_their_own_reply() throws Exception {
        KilnChatModel model = greedy(30).build();
        List<String> prompts = List.of("Lily", "Ben", "The cat", "Lily", "Ben", "The cat");
        ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
        try {
            List<Future<String>> replies = new ArrayList<>();
            for (String p : prompts) {
                replies.add(pool.submit(() -> model.chat(p)));
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(greedyChat(30, ChatMessage.user(prompts.get(i))).text(), replies.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_model_it_loaded_is_closed_with_it_and_a_borrowed_one_is_not() {
        KilnChatModel owning = KilnChatModel.builder().modelPath(MODEL)
                .modelOptions(ModelOptions.defaults().withThreads(1)).temperature(0.0).maxOutputTokens(3).build();
        KilnModel loaded = owning.model();
        assertNotEquals(kiln, loaded);
        owning.chat("Lily");
        owning.close();
        KilnException closed = assertThrows(KilnException.class, () -> loaded.generate("Lily", GenerateParams.greedy(2), t -> { }));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());

        KilnChatModel borrowing = greedy(3).build();
        assertSame(kiln, borrowing.model());
        borrowing.close();
        assertEquals(3, kiln.generate("Lily", GenerateParams.greedy(3), t -> { }).generatedTokens());

        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> KilnChatModel.builder().build());
        assertTrue(none.getMessage().contains("modelPath"), none.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> KilnChatModel.builder().model(kiln).modelPath(MODEL).build());
    }
}
