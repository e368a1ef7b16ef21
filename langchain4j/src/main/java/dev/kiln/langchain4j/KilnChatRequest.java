package dev.kiln.langchain4j;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.SamplingSettings;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * A LangChain4j {@link ChatRequest} in Kiln's terms: the turns as {@link ChatMessage}s and the
 * parameters as {@link GenerateParams}. What Kiln cannot do (tools, images and other non-text
 * content, JSON response formats) is refused here, before anything is generated, never dropped.
 */
record KilnChatRequest(List<ChatMessage> messages, GenerateParams params) {

    /**
     * Translates {@code request} (its parameters already merged with the model's defaults) for
     * the model {@code modelId}.
     *
     * @throws UnsupportedFeatureException for tools, non-text content or a JSON response format
     * @throws ModelNotFoundException if the request names another model
     * @throws InvalidRequestException for a parameter out of range
     */
    static KilnChatRequest of(ChatRequest request, String modelId) {
        return new KilnChatRequest(messages(request.messages()), generateParams(request.parameters(), modelId));
    }

    /**
     * {@code parameters} as Kiln's; unset ones take llama.cpp's defaults (a random seed).
     *
     * @throws UnsupportedFeatureException for tools or a JSON response format
     * @throws ModelNotFoundException if the parameters name another model
     * @throws InvalidRequestException for a parameter out of range
     */
    static GenerateParams generateParams(ChatRequestParameters parameters, String modelId) {
        refuseUnsupported(parameters);
        if (parameters.modelName() != null && !parameters.modelName().equals(modelId)) {
            throw new ModelNotFoundException("model '" + parameters.modelName() + "' is not the loaded model '"
                    + modelId + "'");
        }
        return params(parameters);
    }

    /** LangChain4j's response for {@code completion}, the reply to this request. */
    ChatResponse response(Completion completion, String modelId) {
        TokenUsage usage = new TokenUsage(completion.promptTokens(), completion.generatedTokens());
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(completion.text()))
                .metadata(ChatResponseMetadata.builder()
                        .modelName(modelId)
                        .tokenUsage(usage)
                        .finishReason(finishReason(completion))
                        .build())
                .build();
    }

    private static FinishReason finishReason(Completion completion) {
        return switch (completion.stopReason()) {
            case END_OF_GENERATION, STOP_STRING -> FinishReason.STOP;
            // a full context cuts the reply short as a token limit does (OpenAI reports "length" too)
            case TOKEN_LIMIT, CONTEXT_FULL -> FinishReason.LENGTH;
            case INTERRUPTED -> FinishReason.OTHER;
        };
    }

    private static void refuseUnsupported(ChatRequestParameters parameters) {
        List<ToolSpecification> tools = parameters.toolSpecifications();
        if (tools != null && !tools.isEmpty()) {
            throw new UnsupportedFeatureException("tools are not supported by Kiln's chat models (tool specifications: "
                    + tools.stream().map(ToolSpecification::name).collect(Collectors.joining(", ")) + ")");
        }
        if (parameters.toolChoice() == ToolChoice.REQUIRED) {
            throw new UnsupportedFeatureException("tool choice REQUIRED is not supported by Kiln's chat models (no tools)");
        }
        if (parameters.responseFormat() != null && parameters.responseFormat().type() == ResponseFormatType.JSON) {
            throw new UnsupportedFeatureException("the JSON response format is not supported by Kiln's chat models");
        }
    }

    private static List<ChatMessage> messages(List<dev.langchain4j.data.message.ChatMessage> messages) {
        List<ChatMessage> turns = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            turns.add(turn(messages.get(i), i));
        }
        return turns;
    }

    private static ChatMessage turn(dev.langchain4j.data.message.ChatMessage message, int index) {
        return switch (message) {
            case SystemMessage system -> ChatMessage.system(system.text());
            case UserMessage user -> ChatMessage.user(text(user, index));
            case AiMessage ai -> {
                if (ai.hasToolExecutionRequests()) {
                    throw new UnsupportedFeatureException("message " + index
                            + ": AI messages with tool execution requests are not supported by Kiln's chat models");
                }
                // an earlier reply's thinking is not sent back, as OpenAI-style providers do not
                yield ChatMessage.assistant(ai.text() == null ? "" : ai.text());
            }
            default -> throw new UnsupportedFeatureException("message " + index + ": "
                    + message.type().name().toLowerCase(Locale.ROOT) + " messages are not supported by Kiln's chat models");
        };
    }

    /** A user turn's text: its text parts joined by new lines; any other content is refused. */
    private static String text(UserMessage user, int index) {
        StringBuilder text = new StringBuilder();
        for (Content content : user.contents()) {
            if (!(content instanceof TextContent part)) {
                throw new UnsupportedFeatureException("message " + index + ": "
                        + content.type().name().toLowerCase(Locale.ROOT)
                        + " content is not supported by Kiln's chat models (text only)");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(part.text());
        }
        return text.toString();
    }

    private static GenerateParams params(ChatRequestParameters p) {
        KilnChatRequestParameters kiln = p instanceof KilnChatRequestParameters k ? k : KilnChatRequestParameters.EMPTY;
        Integer maxTokens = p.maxOutputTokens();
        if (maxTokens != null && maxTokens < 1) {
            throw new InvalidRequestException("maxOutputTokens must be at least 1, got " + maxTokens);
        }
        if (p.temperature() != null && p.temperature() < 0) {
            throw new InvalidRequestException("temperature must be 0 (greedy) or more, got " + p.temperature());
        }
        try {
            long seed = kiln.seed() != null ? kiln.seed() : new SplittableRandom().nextLong() & 0xffffffffL;
            SamplingSettings s = SamplingSettings.defaults(seed);
            if (p.temperature() != null) {
                s = s.withTemperature(p.temperature().floatValue());
            }
            if (p.topK() != null) {
                s = s.withTopK(p.topK());
            }
            if (p.topP() != null) {
                s = s.withTopP(p.topP().floatValue());
            }
            if (kiln.minP() != null) {
                s = s.withMinP(kiln.minP().floatValue());
            }
            if (kiln.repeatPenalty() != null || kiln.repeatLastN() != null) {
                s = s.withRepeatPenalty(kiln.repeatPenalty() != null ? kiln.repeatPenalty().floatValue() : s.repeatPenalty(),
                        kiln.repeatLastN() != null ? kiln.repeatLastN() : s.penaltyWindow());
            }
            if (p.frequencyPenalty() != null || p.presencePenalty() != null) {
                s = s.withPenalties(p.frequencyPenalty() != null ? p.frequencyPenalty().floatValue() : 0f,
                        p.presencePenalty() != null ? p.presencePenalty().floatValue() : 0f);
            }
            return new GenerateParams(maxTokens != null ? maxTokens : -1, s, p.stopSequences(), false);
        } catch (KilnException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
    }
}
