package dev.kiln.server;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.batch.BatchHandle;
import dev.kiln.runtime.batch.BatchRequest;
import dev.kiln.runtime.batch.QueueFullException;
import dev.kiln.runtime.generate.ContextLengthException;
import dev.kiln.runtime.generate.GenerateParams;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: reads the request, queues
 * it on the scheduler, and answers with the whole completion or streams it as server-sent events
 * ending in {@code data: [DONE]}. A streaming client that goes away is noticed at the next write
 * and its request cancelled, which frees its slot before the next decode step.
 */
final class CompletionEndpoint {
    private static final byte[] DONE = " [DONE]".getBytes(StandardCharsets.US_ASCII);

    private final CompletionRequest.Kind kind;
    private final ServerMetrics metrics;
    /** Whether the server is shutting down (a failed request then gets 503, not 500). */
    private final BooleanSupplier stopping;

    CompletionEndpoint(CompletionRequest.Kind kind, ServerMetrics metrics, BooleanSupplier stopping) {
        this.kind = kind;
        this.metrics = metrics;
        this.stopping = stopping;
    }

    /** Answers one request; returns the status sent. */
    int handle(ServedModel served, byte[] body, ServerResponse res) throws InterruptedException {
        CompletionRequest request = CompletionRequest.parse(kind, body, served.model.vocabularySize());
        if (request.model().isPresent() && !request.model().get().equals(served.id)) {
            throw ApiError.modelNotFound(request.model().get());
        }
        GenerateParams params = request.params();
        int[] prompt = switch (request.prompt()) {
            case CompletionRequest.Prompt.Chat chat -> {
                if (served.template == null) {
                    throw ApiError.invalid(served.templateProblem + "; use /v1/completions", "messages",
                            "chat_template_unavailable");
                }
                List<String> stops = new ArrayList<>(params.stop());
                stops.add(served.template.endOfTurn());
                params = params.withStop(stops);
                yield served.model.tokenize(served.template.apply(chat.messages(), true));
            }
            case CompletionRequest.Prompt.Text text -> served.model.tokenize(text.text());
            case CompletionRequest.Prompt.Ids ids -> ids.ids();
        };
        String promptParam = kind == CompletionRequest.Kind.CHAT ? "messages" : "prompt";
        if (prompt.length == 0) {
            throw ApiError.invalid("The prompt has no tokens (this vocabulary adds no BOS to an empty text).",
                    promptParam, "invalid_value");
        }
        GenerationStream stream = new GenerationStream();
        BatchHandle handle;
        try {
            handle = served.scheduler.submit(new BatchRequest(prompt, params), stream);
        } catch (ContextLengthException e) {
            throw ApiError.contextLength(e.getMessage(), promptParam);
        } catch (QueueFullException e) {
            throw ApiError.queueFull(e.getMessage());
        } catch (KilnException e) {
            throw ApiError.unavailable("The server is shutting down; no new requests are taken.");
        }
        OpenAiJson json = new OpenAiJson(kind, served.id, served.fingerprint);
        try {
            return request.stream() ? stream(request, stream, handle, json, res) : whole(stream, json, res);
        } finally {
            handle.cancel(); // nothing if it ended; frees the slot if this thread was interrupted
        }
    }

    private int whole(GenerationStream stream, OpenAiJson json, ServerResponse res) throws InterruptedException {
        return switch (stream.end()) {
            case GenerationStream.Event.Done done -> {
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send(json.completion(done.completion()));
                yield 200;
            }
            case GenerationStream.Event.Failed failed -> throw failure(failed.error());
            case GenerationStream.Event.Text text -> throw new IllegalStateException("end() returned text");
        };
    }

    private int stream(CompletionRequest request, GenerationStream stream, BatchHandle handle, OpenAiJson json,
                       ServerResponse res) throws InterruptedException {
        boolean usage = request.includeUsage();
        res.header("X-Accel-Buffering", "no"); // proxies (nginx) must pass events on at once
        SseSink sink = res.sink(SseSink.TYPE);
        try {
            if (kind == CompletionRequest.Kind.CHAT) {
                emit(sink, json.roleChunk(usage));
            }
            while (true) {
                StringBuilder text = new StringBuilder();
                for (GenerationStream.Event event : stream.next()) {
                    switch (event) {
                        case GenerationStream.Event.Text t -> text.append(t.piece());
                        case GenerationStream.Event.Done done -> {
                            if (!text.isEmpty()) {
                                emit(sink, json.textChunk(text.toString(), usage));
                            }
                            emit(sink, json.finishChunk(done.completion().stopReason(), usage));
                            if (usage) {
                                emit(sink, json.usageChunk(done.completion()));
                            }
                            sink.emit(SseEvent.create(DONE));
                            return 200;
                        }
                        case GenerationStream.Event.Failed failed -> {
                            if (!text.isEmpty()) {
                                emit(sink, json.textChunk(text.toString(), usage));
                            }
                            // the status is sent; OpenAI's streams report a late error as an event
                            emit(sink, OpenAiJson.error(failure(failed.error())));
                            return 200;
                        }
                    }
                }
                if (!text.isEmpty()) {
                    emit(sink, json.textChunk(text.toString(), usage));
                }
            }
        } catch (RuntimeException e) {
            // a write failed: the client is gone. Free the slot; there is nobody to answer.
            handle.cancel();
            metrics.aborted();
            return 499; // nginx's "client closed request", for the metrics only
        } finally {
            try {
                sink.close();
            } catch (RuntimeException e) {
                // the connection is already gone
            }
        }
    }

    private ApiError failure(KilnException error) {
        if (stopping.getAsBoolean()) {
            return ApiError.unavailable("The server shut down before the request could finish.");
        }
        return ApiError.internal("The generation failed: " + ApiError.quote(error.getMessage()));
    }

    /** {@code data: JSON} (the space after the colon as OpenAI and llama-server write it). */
    private static void emit(SseSink sink, byte[] json) {
        byte[] data = new byte[json.length + 1];
        data[0] = ' ';
        System.arraycopy(json, 0, data, 1, json.length);
        sink.emit(SseEvent.create(data));
    }
}
