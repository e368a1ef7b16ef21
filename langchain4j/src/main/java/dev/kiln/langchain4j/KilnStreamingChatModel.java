package dev.kiln.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * LangChain4j's {@link StreamingChatModel} on a Kiln model in this JVM: the reply's text goes
 * to {@link StreamingChatResponseHandler#onPartialResponse} as it is generated (whole
 * characters, never half of one), then {@link StreamingChatResponseHandler#onCompleteResponse}
 * gets the whole {@link ChatResponse}, the same as {@link KilnChatModel} returns for the same
 * request and seed.
 *
 * <p>{@code chat} returns at once; the generation runs on the builder's {@link Builder#executor
 * executor} (by default a new virtual thread per request). A request Kiln cannot serve (tools,
 * images, a bad parameter) is refused by {@code chat} itself with an exception; a failure
 * while generating (e.g. a prompt longer than the context) goes to {@code onError}. Each
 * request ends with exactly one of {@code onCompleteResponse} and {@code onError}, unless it is
 * cancelled through the {@link StreamingHandle} in the partial response's context, which stops
 * the generation before its next token and ends the stream without either. An exception thrown
 * by the handler's {@code onPartialResponse} stops the generation and goes to its
 * {@code onError}.
 *
 * <p>Messages, parameters and finish reasons are as for {@link KilnChatModel}.
 */
public final class KilnStreamingChatModel extends KilnBaseChatModel implements StreamingChatModel {
    private static final System.Logger LOG = System.getLogger(KilnStreamingChatModel.class.getName());

    private final Executor executor;

    private KilnStreamingChatModel(Builder builder) {
        super(builder);
        this.executor = builder.executor != null ? builder.executor
                : task -> Thread.ofVirtual().name("kiln-chat-stream").start(task);
    }

    @Override
    public void doChat(ChatRequest chatRequest, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(handler, "handler is null");
        KilnChatRequest request = KilnChatRequest.of(chatRequest, modelName());
        executor.execute(() -> stream(request, handler));
    }

    private void stream(KilnChatRequest request, StreamingChatResponseHandler handler) {
        Handle handle = new Handle();
        PartialResponseContext context = new PartialResponseContext(handle);
        ChatResponse response;
        try {
            response = generate(request, text -> {
                if (handle.isCancelled()) {
                    throw new Stopped(null);
                }
                try {
                    handler.onPartialResponse(new PartialResponse(text), context);
                } catch (RuntimeException e) {
                    throw new Stopped(e);
                }
            });
        } catch (Stopped stopped) {
            if (stopped.getCause() != null) {
                report(handler, stopped.getCause());
            }
            return;
        } catch (RuntimeException | Error e) {
            report(handler, e);
            return;
        }
        if (handle.isCancelled()) {
            return;
        }
        try {
            handler.onCompleteResponse(response);
        } catch (RuntimeException e) {
            report(handler, e);
        }
    }

    /** Hands {@code error} to the handler; an exception from {@code onError} itself can only be logged. */
    private static void report(StreamingChatResponseHandler handler, Throwable error) {
        try {
            handler.onError(error);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the streaming handler's onError threw; ignored", e);
        }
    }

    /** Ends a generation from inside its text callback: cancelled, or the handler threw (the cause). */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    /** The handle a handler cancels the stream with; the generation checks it before handing over each piece. */
    private static final class Handle implements StreamingHandle {
        private volatile boolean cancelled;

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder extends KilnBaseChatModel.Builder<KilnStreamingChatModel, Builder> {
        private Executor executor;

        private Builder() {
        }

        /** Where generations run; by default each request gets a new virtual thread. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        @Override
        public KilnStreamingChatModel build() {
            return new KilnStreamingChatModel(this);
        }
    }
}
