package dev.kiln.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.SamplingSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A {@code /v1/chat/completions} or {@code /v1/completions} request, read from its JSON body and
 * checked field by field. What OpenAI's API defines and Kiln can honour is taken; what it cannot
 * honour ({@code n} > 1, tools, log probabilities, …) is refused with 400 rather than ignored;
 * fields that change nothing here ({@code user}, {@code store}, {@code metadata}, …) are ignored.
 * Sampling defaults are llama-server's (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, a
 * random seed, no token limit); llama-server's {@code top_k}, {@code min_p} and
 * {@code repeat_penalty} are taken too.
 *
 * @param kind which endpoint
 * @param model the model the client asked for, if it named one
 * @param prompt the conversation or the prompt
 * @param params how to generate
 * @param stream whether to answer with server-sent events
 * @param includeUsage whether a stream ends with a usage chunk ({@code stream_options.include_usage})
 */
record CompletionRequest(Kind kind, Optional<String> model, Prompt prompt, GenerateParams params, boolean stream,
                         boolean includeUsage) {

    /** The two generating endpoints. */
    enum Kind { CHAT, TEXT }

    /** What to continue. */
    sealed interface Prompt {
        /** A conversation, to format with the chat template. */
        record Chat(List<ChatMessage> messages) implements Prompt {
        }

        /** Text, tokenized as {@code kiln generate} does (BOS, special-token text parsed). */
        record Text(String text) implements Prompt {
        }

        /** Token ids, used as they are. */
        record Ids(int[] ids) implements Prompt {
        }
    }

    /** More stop strings than this are refused (OpenAI takes 4). */
    static final int MAX_STOP_STRINGS = 16;
    /** JSON nested deeper than this is refused (no request needs more than a few levels). */
    static final int MAX_NESTING = 64;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build());
    }

    CompletionRequest {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(model);
        Objects.requireNonNull(prompt);
        Objects.requireNonNull(params);
    }

    /**
     * Reads a request body.
     *
     * @param vocabularySize token ids in a prompt must be below this
     * @throws ApiError (400) naming the first field that is missing, of the wrong type, out of
     *         range or not supported, or saying why the body is not JSON
     */
    static CompletionRequest parse(Kind kind, byte[] body, int vocabularySize) {
        JsonNode root = readJson(body);
        RequestFields f = RequestFields.of(root, "");
        Optional<String> model = f.string("model");
        Prompt prompt = kind == Kind.CHAT ? chatPrompt(f) : textPrompt(f, vocabularySize);
        if (kind == Kind.CHAT) {
            refuseChatExtras(f);
        } else {
            refuseTextExtras(f);
        }
        long n = f.integer("n", 1, Integer.MAX_VALUE).orElse(1);
        if (n > 1) {
            throw ApiError.unsupported("n", "n > 1 (several choices per request)");
        }
        if (f.value("logit_bias").filter(v -> !v.isObject() || !v.isEmpty()).isPresent()) {
            throw ApiError.unsupported("logit_bias", "logit_bias");
        }
        boolean stream = f.bool("stream").orElse(false);
        boolean includeUsage = false;
        Optional<JsonNode> streamOptions = f.value("stream_options");
        if (streamOptions.isPresent()) {
            includeUsage = RequestFields.of(streamOptions.get(), "stream_options").bool("include_usage").orElse(false);
        }
        return new CompletionRequest(kind, model, prompt, params(f), stream, includeUsage);
    }

    /** The body as a JSON tree; 400 if it is not one JSON value. */
    static JsonNode readJson(byte[] body) {
        if (body.length == 0) {
            throw ApiError.invalid("The request body is empty; send a JSON object.", null, "invalid_json");
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            String at = where == null ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
            throw ApiError.badJson(ApiError.quote(e.getOriginalMessage()) + at);
        } catch (IOException e) {
            throw ApiError.badJson(ApiError.quote(String.valueOf(e.getMessage())));
        }
    }

    private static GenerateParams params(RequestFields f) {
        long seed = f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE)
                .orElseGet(() -> new SplittableRandom().nextLong() & 0xffffffffL);
        SamplingSettings s = SamplingSettings.defaults(seed);
        s = s.withTemperature((float) f.number("temperature", 0, 2).orElse(s.temperature()));
        s = s.withTopP((float) f.number("top_p", 0, 1).orElse(s.topP()));
        s = s.withTopK((int) f.integer("top_k", 0, Integer.MAX_VALUE).orElse(s.topK()));
        s = s.withMinP((float) f.number("min_p", 0, 1).orElse(s.minP()));
        double repeat = f.number("repeat_penalty", 0, 100).orElse(s.repeatPenalty());
        if (repeat <= 0) {
            throw ApiError.outOfRange("repeat_penalty", "a number above 0", Double.toString(repeat));
        }
        s = s.withRepeatPenalty((float) repeat, s.penaltyWindow());
        s = s.withPenalties((float) f.number("frequency_penalty", -2, 2).orElse(0),
                (float) f.number("presence_penalty", -2, 2).orElse(0));
        // max_completion_tokens is OpenAI's newer name; when both are sent it wins
        long maxTokens = maxTokens(f, "max_completion_tokens").orElse(maxTokens(f, "max_tokens").orElse(-1L));
        return new GenerateParams((int) maxTokens, s, stopStrings(f), false);
    }

    /** -1 (llama-server's "no limit") or at least 1. */
    private static Optional<Long> maxTokens(RequestFields f, String name) {
        var v = f.integer(name, -1, Integer.MAX_VALUE);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (v.getAsLong() == 0) {
            throw ApiError.outOfRange(name, "an integer of at least 1 (or -1 for no limit)", "0");
        }
        return Optional.of(v.getAsLong());
    }

    private static List<String> stopStrings(RequestFields f) {
        Optional<JsonNode> value = f.value("stop");
        if (value.isEmpty()) {
            return List.of();
        }
        JsonNode v = value.get();
        if (v.isTextual()) {
            return List.of(v.textValue());
        }
        if (!v.isArray()) {
            throw ApiError.wrongType("stop", "a string or an array of strings", RequestFields.describe(v));
        }
        if (v.size() > MAX_STOP_STRINGS) {
            throw ApiError.outOfRange("stop", "at most " + MAX_STOP_STRINGS + " strings", v.size() + " strings");
        }
        List<String> stops = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode s = v.get(i);
            if (!s.isTextual()) {
                throw ApiError.wrongType("stop[" + i + "]", "a string", RequestFields.describe(s));
            }
            stops.add(s.textValue());
        }
        return stops;
    }

    // ---- chat

    private static Prompt chatPrompt(RequestFields f) {
        JsonNode messages = f.required("messages");
        if (!messages.isArray()) {
            throw ApiError.wrongType("messages", "an array", RequestFields.describe(messages));
        }
        if (messages.isEmpty()) {
            throw ApiError.outOfRange("messages", "at least one message", "an empty array");
        }
        List<ChatMessage> list = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            list.add(message(RequestFields.of(messages.get(i), "messages[" + i + "]")));
        }
        return new Prompt.Chat(List.copyOf(list));
    }

    private static ChatMessage message(RequestFields m) {
        String role = m.string("role").orElseThrow(() -> ApiError.missing(m.param("role")));
        role = switch (role) {
            case "system", "user", "assistant" -> role;
            case "developer" -> "system"; // OpenAI's newer name for the system turn
            case "tool", "function" -> throw ApiError.unsupported(m.param("role"), "The role '" + role + "' (tool calling)");
            default -> throw ApiError.outOfRange(m.param("role"), "one of system, developer, user, assistant",
                    "'" + ApiError.quote(role) + "'");
        };
        if (m.value("tool_calls").filter(v -> !v.isArray() || !v.isEmpty()).isPresent()
                || m.value("function_call").isPresent()) {
            throw ApiError.unsupported(m.param("tool_calls"), "Tool calling");
        }
        Optional<JsonNode> content = m.value("content");
        if (content.isEmpty()) {
            if (!role.equals("assistant")) {
                throw ApiError.missing(m.param("content"));
            }
            return new ChatMessage(role, "");
        }
        return new ChatMessage(role, content(content.get(), m.param("content")));
    }

    /** A message's content: a string, or an array of text parts (joined). */
    private static String content(JsonNode v, String param) {
        if (v.isTextual()) {
            return v.textValue();
        }
        if (!v.isArray()) {
            throw ApiError.wrongType(param, "a string or an array of content parts", RequestFields.describe(v));
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < v.size(); i++) {
            RequestFields part = RequestFields.of(v.get(i), param + "[" + i + "]");
            String type = part.string("type").orElseThrow(() -> ApiError.missing(part.param("type")));
            if (!type.equals("text")) {
                throw ApiError.unsupported(part.param("type"), "A content part of type '" + ApiError.quote(type) + "'");
            }
            text.append(part.string("text").orElseThrow(() -> ApiError.missing(part.param("text"))));
        }
        return text.toString();
    }

    private static void refuseChatExtras(RequestFields f) {
        if (f.bool("logprobs").orElse(false)) {
            throw ApiError.unsupported("logprobs", "logprobs");
        }
        for (String tools : List.of("tools", "functions")) {
            if (f.value(tools).filter(v -> !v.isArray() || !v.isEmpty()).isPresent()) {
                throw ApiError.unsupported(tools, "Tool calling");
            }
        }
        Optional<JsonNode> format = f.value("response_format");
        if (format.isPresent()) {
            String type = RequestFields.of(format.get(), "response_format").string("type").orElse("text");
            if (!type.equals("text")) {
                throw ApiError.unsupported("response_format.type", "response_format '" + ApiError.quote(type) + "'");
            }
        }
    }

    // ---- text completions

    /**
     * The prompt of {@code /v1/completions}: a string, token ids, or an array holding one of
     * those. Several prompts in one request (several choices) are refused, as {@code n} > 1 is.
     */
    private static Prompt textPrompt(RequestFields f, int vocabularySize) {
        JsonNode p = f.required("prompt");
        if (p.isTextual()) {
            return new Prompt.Text(p.textValue());
        }
        if (!p.isArray()) {
            throw ApiError.wrongType("prompt", "a string, an array of token ids or an array of one prompt",
                    RequestFields.describe(p));
        }
        if (p.isEmpty()) {
            throw ApiError.outOfRange("prompt", "a prompt", "an empty array");
        }
        if (p.get(0).isNumber()) {
            return ids(p, "prompt", vocabularySize);
        }
        if (p.size() > 1) {
            throw ApiError.unsupported("prompt", "More than one prompt per request");
        }
        JsonNode only = p.get(0);
        if (only.isTextual()) {
            return new Prompt.Text(only.textValue());
        }
        if (only.isArray() && !only.isEmpty()) {
            return ids(only, "prompt[0]", vocabularySize);
        }
        throw ApiError.wrongType("prompt[0]", "a string or an array of token ids", RequestFields.describe(only));
    }

    private static Prompt.Ids ids(JsonNode array, String param, int vocabularySize) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) RequestFields.integer(array.get(i), param + "[" + i + "]", 0, vocabularySize - 1L);
        }
        return new Prompt.Ids(ids);
    }

    private static void refuseTextExtras(RequestFields f) {
        if (f.bool("echo").orElse(false)) {
            throw ApiError.unsupported("echo", "echo");
        }
        if (f.integer("logprobs", 0, Integer.MAX_VALUE).orElse(0) > 0) {
            throw ApiError.unsupported("logprobs", "logprobs");
        }
        if (f.integer("best_of", 1, Integer.MAX_VALUE).orElse(1) > 1) {
            throw ApiError.unsupported("best_of", "best_of > 1");
        }
        if (f.string("suffix").filter(s -> !s.isEmpty()).isPresent()) {
            throw ApiError.unsupported("suffix", "suffix (insertion)");
        }
    }

    /** The endpoint's name in logs and metrics. */
    static String name(Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }
}
