package dev.kiln.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * LangChain4j's {@link ChatModel} on a Kiln model in this JVM (no server, no HTTP):
 *
 * <pre>{@code
 * try (KilnChatModel model = KilnChatModel.builder()
 *         .modelPath(Path.of("model.gguf"))
 *         .temperature(0.0)
 *         .maxOutputTokens(200)
 *         .build()) {
 *     Assistant assistant = AiServices.create(Assistant.class, model);
 *     System.out.println(assistant.chat("Tell me a story"));
 * }
 * }</pre>
 *
 * Messages are formatted with the model's chat template ({@link dev.kiln.runtime.KilnModel#chatTemplate()});
 * system, user and AI messages with text are supported, and everything else (tools, images,
 * audio, tool results, JSON response formats) is refused with an
 * {@link dev.langchain4j.exception.UnsupportedFeatureException} before anything is generated.
 * A prompt longer than the context is an {@link dev.langchain4j.exception.InvalidRequestException}.
 * The finish reason is {@code STOP} for an end token or a stop sequence, {@code LENGTH} for
 * {@code maxOutputTokens} or a full context. Thread-safe: concurrent chats run as separate
 * sequences on the one model.
 */
public final class KilnChatModel extends KilnBaseChatModel implements ChatModel {

    private KilnChatModel(Builder builder) {
        super(builder);
    }

    @Override
    public ChatResponse doChat(ChatRequest chatRequest) {
        return generate(chatRequest, text -> { });
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder extends KilnBaseChatModel.Builder<KilnChatModel, Builder> {
        private Builder() {
        }

        @Override
        public KilnChatModel build() {
            return new KilnChatModel(this);
        }
    }
}
