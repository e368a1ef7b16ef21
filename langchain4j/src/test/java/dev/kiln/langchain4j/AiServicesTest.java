package dev.kiln.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.generate.ChatMessage;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.UserMessage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The adapters behind LangChain4j's own AiServices, as applications use them, on stories260K. */
class AiServicesTest extends OnStories {
    static final String SYSTEM = "You are a storyteller for small children.";
    static KilnChatModel chatModel;
    static KilnStreamingChatModel streamingModel;

    interface Storyteller {
        @SystemMessage(SYSTEM)
        @UserMessage("Tell a story about {{it}}.")
        String story(String topic);

        @SystemMessage(SYSTEM)
        @UserMessage("Tell a story about {{it}}.")
        Result<String> storyWithMetadata(String topic);

        @SystemMessage(SYSTEM)
        @UserMessage("Tell a story about {{it}}.")
        TokenStream streamStory(String topic);
    }

    interface Chat {
        String chat(String message);
    }

    interface StreamingChat {
        TokenStream chat(String message);
    }

    static final class Weather {
        @Tool("The weather in a city")
        String weather(String city) {
            return "sunny";
        }
    }

    @BeforeAll
    static void buildModels() {
        chatModel = KilnChatModel.builder().model(kiln).temperature(0.0).maxOutputTokens(48).build();
        streamingModel = KilnStreamingChatModel.builder().model(kiln).temperature(0.0).maxOutputTokens(48).build();
    }

    static String kilnReply(ChatMessage... messages) {
        return greedyChat(48, messages).text();
    }

    static ChatResponse stream(TokenStream tokens, StringBuilder pieces) throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        tokens.onPartialResponse(pieces::append).onCompleteResponse(done::complete).onError(done::completeExceptionally).start();
        return done.get(60, TimeUnit.SECONDS);
    }

    @Test
    void an_ai_service_gets_kilns_greedy_reply_plain_and_streamed() throws Exception {
        Storyteller storyteller = AiServices.builder(Storyteller.class)
                .chatModel(chatModel).streamingChatModel(streamingModel).build();
        String expected = kilnReply(ChatMessage.system(SYSTEM), ChatMessage.user("Tell a story about a red ball."));
        assertFalse(expected.isBlank());

        assertEquals(expected, storyteller.story("a red ball"));

        Result<String> result = storyteller.storyWithMetadata("a red ball");
        assertEquals(expected, result.content());
        assertEquals(FinishReason.LENGTH, result.finishReason());
        assertEquals(48, result.tokenUsage().outputTokenCount());
        int promptTokens = kiln.chatPrompt(List.of(ChatMessage.system(SYSTEM),
                ChatMessage.user("Tell a story about a red ball."))).length;
        assertEquals(promptTokens, result.tokenUsage().inputTokenCount());

        StringBuilder pieces = new StringBuilder();
        ChatResponse streamed = stream(storyteller.streamStory("a red ball"), pieces);
        assertEquals(expected, pieces.toString());
        assertEquals(expected, streamed.aiMessage().text());
        assertEquals(FinishReason.LENGTH, streamed.finishReason());
        assertEquals(result.tokenUsage(), streamed.tokenUsage());
    }

    @Test
    void a_chat_memory_carries_the_conversation_into_the_next_turn() {
        ChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
        Chat chat = AiServices.builder(Chat.class).chatModel(chatModel).chatMemory(memory).build();
        String first = chat.chat("Lily had a dog.");
        String second = chat.chat("What did the dog do?");

        assertEquals(kilnReply(ChatMessage.user("Lily had a dog.")), first);
        assertEquals(kilnReply(ChatMessage.user("Lily had a dog."), ChatMessage.assistant(first),
                ChatMessage.user("What did the dog do?")), second);
        assertTrue(!second.equals(kilnReply(ChatMessage.user("What did the dog do?"))), "the first turn shaped the second");
        assertEquals(4, memory.messages().size());
    }

    @Test
    void a_streamed_conversation_with_memory_matches_the_plain_one() throws Exception {
        ChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
        StreamingChat chat = AiServices.builder(StreamingChat.class)
                .streamingChatModel(streamingModel).chatMemory(memory).build();
        StringBuilder first = new StringBuilder();
        stream(chat.chat("Lily had a dog."), first);
        StringBuilder second = new StringBuilder();
        stream(chat.chat("What did the dog do?"), second);

        assertEquals(kilnReply(ChatMessage.user("Lily had a dog.")), first.toString());
        assertEquals(kilnReply(ChatMessage.user("Lily had a dog."), ChatMessage.assistant(first.toString()),
                ChatMessage.user("What did the dog do?")), second.toString());
        assertEquals(4, memory.messages().size());
    }

    @Test
    void an_ai_service_with_tools_is_refused() {
        Chat chat = AiServices.builder(Chat.class).chatModel(chatModel).tools(new Weather()).build();
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> chat.chat("Rain in Paris?"));
        assertTrue(e.getMessage().contains("weather"), e.getMessage());
    }
}
