package dev.kiln.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.StopReason;
import java.io.UncheckedIOException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The JSON bodies the server sends, shaped as OpenAI's API sends them (and llama-server): for one
 * completion, an id, the {@code created} time, the model and the backend as
 * {@code system_fingerprint}, then whole responses, stream chunks and usage.
 */
final class OpenAiJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final char[] ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final CompletionRequest.Kind kind;
    private final String id;
    private final long created;
    private final String model;
    private final String fingerprint;

    OpenAiJson(CompletionRequest.Kind kind, String model, String fingerprint) {
        this.kind = kind;
        this.id = (kind == CompletionRequest.Kind.CHAT ? "chatcmpl-" : "cmpl-") + randomId();
        this.created = System.currentTimeMillis() / 1000;
        this.model = model;
        this.fingerprint = fingerprint;
    }

    /** The whole response of a request that did not stream. */
    byte[] completion(Completion c) {
        ObjectNode body = head(kind == CompletionRequest.Kind.CHAT ? "chat.completion" : "text_completion");
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        if (kind == CompletionRequest.Kind.CHAT) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", c.text());
            message.putNull("refusal");
            message.putArray("annotations");
        } else {
            choice.put("text", c.text());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(c.stopReason()));
        body.set("usage", usage(c));
        return bytes(body);
    }

    /** The first chunk of a chat stream: the assistant's role, no text yet. */
    byte[] roleChunk(boolean withUsage) {
        ObjectNode delta = NODES.objectNode();
        delta.put("role", "assistant");
        delta.put("content", "");
        delta.putNull("refusal");
        return chunk(delta, null, null, withUsage);
    }

    /** A chunk of streamed text. */
    byte[] textChunk(String text, boolean withUsage) {
        ObjectNode delta = NODES.objectNode();
        delta.put("content", text);
        return chunk(delta, text, null, withUsage);
    }

    /** The chunk that ends the choice: no text, its finish reason. */
    byte[] finishChunk(StopReason reason, boolean withUsage) {
        return chunk(NODES.objectNode(), "", finishReason(reason), withUsage);
    }

    /** The chunk after the last choice chunk ({@code stream_options.include_usage}): no choices, the usage. */
    byte[] usageChunk(Completion c) {
        ObjectNode body = head(chunkObject());
        body.putArray("choices");
        body.set("usage", usage(c));
        return bytes(body);
    }

    private byte[] chunk(ObjectNode delta, String text, String finishReason, boolean withUsage) {
        ObjectNode body = head(chunkObject());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        if (kind == CompletionRequest.Kind.CHAT) {
            choice.set("delta", delta);
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (withUsage) {
            body.putNull("usage");
        }
        return bytes(body);
    }

    private String chunkObject() {
        // OpenAI's legacy completions stream chunks of the same object as the whole response
        return kind == CompletionRequest.Kind.CHAT ? "chat.completion.chunk" : "text_completion";
    }

    private ObjectNode head(String object) {
        ObjectNode body = NODES.objectNode();
        body.put("id", id);
        body.put("object", object);
        body.put("created", created);
        body.put("model", model);
        body.put("system_fingerprint", fingerprint);
        return body;
    }

    private static ObjectNode usage(Completion c) {
        ObjectNode usage = NODES.objectNode();
        usage.put("prompt_tokens", c.promptTokens());
        usage.put("completion_tokens", c.generatedTokens());
        usage.put("total_tokens", c.promptTokens() + c.generatedTokens());
        return usage;
    }

    /**
     * OpenAI's finish reason: {@code stop} for an end token or a stop string, {@code length} for
     * a limit (tokens, context) and for a generation the server cut short while shutting down.
     */
    static String finishReason(StopReason reason) {
        return switch (reason) {
            case END_OF_GENERATION, STOP_STRING -> "stop";
            case TOKEN_LIMIT, CONTEXT_FULL, INTERRUPTED -> "length";
        };
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}. */
    static byte[] error(ApiError e) {
        ObjectNode body = NODES.objectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type);
        if (e.param == null) {
            error.putNull("param");
        } else {
            error.put("param", e.param);
        }
        error.put("code", e.code);
        return bytes(body);
    }

    /** {@code GET /v1/models}: the one loaded model. */
    static byte[] models(ObjectNode model) {
        ObjectNode body = NODES.objectNode();
        body.put("object", "list");
        body.putArray("data").add(model);
        return bytes(body);
    }

    /** One entry of {@code /v1/models}. */
    static ObjectNode model(String id, long created, int contextSize, int trainedContext, int vocabulary, String architecture) {
        ObjectNode model = NODES.objectNode();
        model.put("id", id);
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "kiln");
        ObjectNode meta = model.putObject("meta");
        meta.put("architecture", architecture);
        meta.put("n_ctx", contextSize);
        meta.put("n_ctx_train", trainedContext);
        meta.put("n_vocab", vocabulary);
        return model;
    }

    static byte[] bytes(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String randomId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] id = new char[29];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[r.nextInt(ID_CHARS.length)];
        }
        return new String(id);
    }
}
