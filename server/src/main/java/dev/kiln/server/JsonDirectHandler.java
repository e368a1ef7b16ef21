package dev.kiln.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.http.DirectHandler;

/**
 * Errors the HTTP layer answers before any endpoint runs (a malformed request line or headers, a
 * body over the hard size limit), in the same OpenAI-shaped JSON as every other error, and never
 * with an exception's text for a server-side failure.
 */
final class JsonDirectHandler implements DirectHandler {

    static DirectHandlers handlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        JsonDirectHandler handler = new JsonDirectHandler();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, String message) {
        ApiError error;
        if (status.code() == 413) {
            error = new ApiError(413, "invalid_request_error", "The request body is larger than this server accepts.",
                    null, "request_too_large");
        } else if (status.code() >= 500) {
            error = new ApiError(status.code(), "server_error", "Internal error; see the server's log.", null,
                    "internal_error");
        } else {
            String detail = message == null || message.isBlank() ? status.reasonPhrase() : ApiError.quote(message);
            error = new ApiError(status.code(), "invalid_request_error", "Bad request: " + detail, null, "bad_request");
        }
        headers.set(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/json"));
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity(OpenAiJson.error(error))
                .build();
    }
}
