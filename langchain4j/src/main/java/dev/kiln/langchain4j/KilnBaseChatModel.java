package dev.kiln.langchain4j;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.ContextLengthException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What {@link KilnChatModel} and {@link KilnStreamingChatModel} share: the model they run on,
 * who owns it, their default request parameters and listeners.
 *
 * <p><b>Who closes the model.</b> Built with {@link Builder#modelPath}, the chat model loads the
 * file itself and {@link #close()} closes it. Built with {@link Builder#model} over a
 * {@link KilnModel} you loaded, it only borrows it: {@link #close()} leaves it open and you
 * close it. One loaded model can back any number of chat models, plain and streaming, at once.
 */
public abstract sealed class KilnBaseChatModel implements AutoCloseable permits KilnChatModel, KilnStreamingChatModel {
    private final KilnModel model;
    private final boolean ownsModel;
    private final KilnChatRequestParameters defaultRequestParameters;
    private final List<ChatModelListener> listeners;

    KilnBaseChatModel(Builder<?, ?> builder) {
        if (builder.model != null && builder.modelPath != null) {
            throw new IllegalArgumentException("set either model(KilnModel) or modelPath(Path), not both");
        }
        if (builder.model == null && builder.modelPath == null) {
            throw new IllegalArgumentException("no model: set modelPath(Path) or model(KilnModel)");
        }
        this.ownsModel = builder.model == null;
        this.model = ownsModel
                ? Kiln.load(builder.modelPath, builder.modelOptions != null ? builder.modelOptions : ModelOptions.defaults())
                : builder.model;
        try {
            KilnChatRequestParameters defaults = KilnChatRequestParameters.builder()
                    .overrideWith(builder.defaultRequestParameters != null
                            ? builder.defaultRequestParameters : KilnChatRequestParameters.EMPTY)
                    .overrideWith(builder.parameters.build())
                    .build();
            if (defaults.modelName() == null) {
                defaults = defaults.overrideWith(KilnChatRequestParameters.builder().modelName(model.id()).build());
            }
            // the defaults alone must make a valid request: a bad setting fails here, not at the first chat
            KilnChatRequest.generateParams(defaults, model.id());
            this.defaultRequestParameters = defaults;
        } catch (RuntimeException e) {
            if (ownsModel) {
                model.close();
            }
            throw e;
        }
        this.listeners = List.copyOf(builder.listeners);
    }

    /** The Kiln model this chat model runs on (to share it with another chat model, or to use Kiln's API). */
    public KilnModel model() {
        return model;
    }

    /** The loaded model's id (its file name without {@code .gguf}), the model name of every response. */
    public String modelName() {
        return model.id();
    }

    public KilnChatRequestParameters defaultRequestParameters() {
        return defaultRequestParameters;
    }

    public List<ChatModelListener> listeners() {
        return listeners;
    }

    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /**
     * Generates the reply to {@code request} (parameters merged with the defaults), handing its
     * text to {@code onText} as it is produced.
     */
    ChatResponse generate(ChatRequest request, Consumer<String> onText) {
        return generate(KilnChatRequest.of(request, model.id()), onText);
    }

    ChatResponse generate(KilnChatRequest request, Consumer<String> onText) {
        Completion completion;
        try {
            completion = model.chat(request.messages(), request.params(), onText);
        } catch (ContextLengthException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        return request.response(completion, model.id());
    }

    /** Closes the model if this chat model loaded it ({@link Builder#modelPath}); a borrowed model stays open. */
    @Override
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }

    /**
     * Settings both chat models take: the model (a file to load, or a loaded {@link KilnModel}),
     * default request parameters and listeners.
     */
    public abstract static sealed class Builder<M extends KilnBaseChatModel, B extends Builder<M, B>>
            permits KilnChatModel.Builder, KilnStreamingChatModel.Builder {
        private Path modelPath;
        private ModelOptions modelOptions;
        private KilnModel model;
        private ChatRequestParameters defaultRequestParameters;
        private final KilnChatRequestParameters.Builder parameters = KilnChatRequestParameters.builder();
        private List<ChatModelListener> listeners = List.of();

        Builder() {
        }

        @SuppressWarnings("unchecked")
        B self() {
            return (B) this;
        }

        /** Load this GGUF file; the chat model owns it and closes it on {@link KilnBaseChatModel#close()}. */
        public B modelPath(Path modelPath) {
            this.modelPath = Objects.requireNonNull(modelPath, "modelPath is null");
            return self();
        }

        /** How to load {@link #modelPath} (backend, threads, context size, chat template); the defaults if unset. */
        public B modelOptions(ModelOptions modelOptions) {
            this.modelOptions = modelOptions;
            return self();
        }

        /** Run on this loaded model; it stays yours to close. */
        public B model(KilnModel model) {
            this.model = Objects.requireNonNull(model, "model is null");
            return self();
        }

        /** Defaults for every request; the single-parameter setters below win over them. */
        public B defaultRequestParameters(ChatRequestParameters parameters) {
            this.defaultRequestParameters = parameters;
            return self();
        }

        /** 0 is greedy; unset is llama.cpp's 0.8. */
        public B temperature(Double temperature) {
            parameters.temperature(temperature);
            return self();
        }

        public B topP(Double topP) {
            parameters.topP(topP);
            return self();
        }

        public B topK(Integer topK) {
            parameters.topK(topK);
            return self();
        }

        public B minP(Double minP) {
            parameters.minP(minP);
            return self();
        }

        public B frequencyPenalty(Double frequencyPenalty) {
            parameters.frequencyPenalty(frequencyPenalty);
            return self();
        }

        public B presencePenalty(Double presencePenalty) {
            parameters.presencePenalty(presencePenalty);
            return self();
        }

        public B repeatPenalty(Double repeatPenalty) {
            parameters.repeatPenalty(repeatPenalty);
            return self();
        }

        public B repeatLastN(Integer repeatLastN) {
            parameters.repeatLastN(repeatLastN);
            return self();
        }

        public B seed(Long seed) {
            parameters.seed(seed);
            return self();
        }

        /** The most tokens a reply may have; unset is until an end token or a full context. */
        public B maxOutputTokens(Integer maxOutputTokens) {
            parameters.maxOutputTokens(maxOutputTokens);
            return self();
        }

        public B stopSequences(List<String> stopSequences) {
            parameters.stopSequences(stopSequences);
            return self();
        }

        public B listeners(List<ChatModelListener> listeners) {
            this.listeners = listeners == null ? List.of() : List.copyOf(listeners);
            return self();
        }

        public B listeners(ChatModelListener... listeners) {
            return listeners(Arrays.asList(listeners));
        }

        /**
         * The chat model.
         *
         * @throws IllegalArgumentException if neither or both of {@code modelPath} and {@code model} are set
         * @throws KilnException if the model file cannot be loaded
         * @throws dev.langchain4j.exception.LangChain4jException if a default parameter is out of range or unsupported
         */
        public abstract M build();
    }
}
