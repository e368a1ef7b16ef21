package dev.kiln.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.Completion;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** KilnStreamingChatModel on stories260K: the same reply as KilnChatModel, in pieces; errors and cancellation. */
class KilnStreamingChatModelTest extends OnStories {

    /** Collects one stream: its pieces and how it ended. */
    static final class Collector implements StreamingChatResponseHandler {
        final List<String> pieces = new ArrayList<>();
        final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        final List<String> threads = new ArrayList<>();
        BiConsumer<PartialResponse, PartialResponseContext> onPiece = (p, c) -> { };

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            pieces.add(partial.text());
            threads.add(Thread.currentThread().getName());
            onPiece.accept(partial, context);
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }

        ChatResponse get() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void streamed_text_is_the_non_streamed_reply_with_the_same_finish_and_usage() throws Exception {
        KilnStreamingChatModel streaming = KilnStreamingChatModel.builder().model(kiln)
                .temperature(0.0).maxOutputTokens(60).build();
        KilnChatModel plain = KilnChatModel.builder().model(kiln).temperature(0.0).maxOutputTokens(60).build();
        ChatRequest request = ChatRequest.builder()
                .messages(SystemMessage.from("You tell stories."), UserMessage.from("The cat")).build();
        Collector c = new Collector();
        streaming.chat(request, c);
        ChatResponse streamed = c.get();
        ChatResponse whole = plain.chat(request);

        assertEquals(whole.aiMessage().text(), String.join("", c.pieces));
        assertEquals(whole.aiMessage().text(), streamed.aiMessage().text());
        Completion kilns = greedyChat(60, ChatMessage.system("You tell stories."), ChatMessage.user("The cat"));
        assertEquals(kilns.text(), streamed.aiMessage().text());
        assertTrue(c.pieces.size() > 10, "streamed in pieces: " + c.pieces.size());
        assertEquals(FinishReason.LENGTH, streamed.finishReason());
        assertEquals(whole.tokenUsage(), streamed.tokenUsage());
        assertEquals(60, streamed.tokenUsage().outputTokenCount());
        assertEquals("stories260K", streamed.modelName());
        assertTrue(c.threads.stream().allMatch("kiln-chat-stream"::equals), c.threads.toString());
    }

    @Test
    void a_stop_sequence_finishes_with_stop_and_is_not_streamed() throws Exception {
        String whole = greedyChat(40, ChatMessage.user("Ben")).text();
        String[] words = whole.trim().split("\\s+");
        String stop = " " + words[words.length / 2];
        KilnStreamingChatModel streaming = KilnStreamingChatModel.builder().model(kiln)
                .temperature(0.0).maxOutputTokens(40).stopSequences(List.of(stop)).build();
        Collector c = new Collector();
        streaming.chat("Ben", c);
        ChatResponse r = c.get();
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(r.aiMessage().text(), String.join("", c.pieces));
        assertTrue(whole.startsWith(r.aiMessage().text() + stop), r.aiMessage().text());
    }

    @Test
    void an_unsupported_request_is_refused_by_chat_itself() {
        KilnStreamingChatModel streaming = KilnStreamingChatModel.builder().model(kiln).build();
        Collector c = new Collector();
        assertThrows(UnsupportedFeatureException.class, () -> streaming.chat(List.of(
                UserMessage.from(ImageContent.from("https://example.com/cat.png"))), c));
        assertTrue(c.pieces.isEmpty());
        assertFalse(c.done.isDone());
    }

    @Test
    void a_prompt_longer_than_the_context_goes_to_on_error() {
        try (KilnStreamingChatModel streaming = KilnStreamingChatModel.builder().modelPath(MODEL)
                .modelOptions(ModelOptions.defaults().withThreads(1).withContextSize(32)).build()) {
            Collector c = new Collector();
            streaming.chat("Once upon a time there was a little girl who liked to play in the park", c);
            Exception e = assertThrows(Exception.class, c::get);
            assertInstanceOf(InvalidRequestException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("context"), e.getCause().getMessage());
        }
    }

    @Test
    void cancelling_through_the_handle_stops_the_generation_without_a_final_callback() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        KilnStreamingChatModel streaming = KilnStreamingChatModel.builder().model(kiln).temperature(0.0)
                .maxOutputTokens(200).executor(task -> Thread.ofVirtual().start(() -> {
                    task.run();
                    ended.countDown();
                })).build();
        Collector c = new Collector();
        c.onPiece = (piece, context) -> {
            if (c.pieces.size() == 3) {
                context.streamingHandle().cancel();
            }
        };
        streaming.chat("Lily", c);
        assertTrue(ended.await(60, TimeUnit.SECONDS));
        assertEquals(3, c.pieces.size());
        assertFalse(c.done.isDone(), "a cancelled stream gets neither onCompleteResponse nor onError");
    }

    @Test
    void an_exception_from_the_handler_stops_the_stream_and_reaches_on_error() throws Exception {
        KilnStreamingChatModel streaming = KilnStreamingChatModel.builder().model(kiln).temperature(0.0)
                .maxOutputTokens(200).build();
        Collector c = new Collector();
        IllegalStateException boom = new IllegalStateException("the client went away");
        c.onPiece = (piece, context) -> {
            if (c.pieces.size() == 2) {
                throw boom;
            }
        };
        streaming.chat("Lily", c);
        Exception e = assertThrows(Exception.class, c::get);
        assertEquals(boom, e.getCause());
        assertEquals(2, c.pieces.size());
    }
}
