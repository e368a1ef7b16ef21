package dev.kiln.server;

import java.util.Map;

/**
 * A request the server refuses, reported as OpenAI does: an HTTP status and
 * {@code {"error": {"message", "type", "param", "code"}}}. Thrown while a request is read and
 * checked; the endpoint turns it into the response. Carries no stack trace (it is no bug).
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The longest piece of a client's input quoted back in a message. */
    private static final int QUOTE_LIMIT = 80;

    final int status;
    final String type;
    final String param;
    final String code;
    final transient Map<String, String> headers;

    ApiError(int status, String type, String message, String param, String code, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    ApiError(int status, String type, String message, String param, String code) {
        this(status, type, message, param, code, Map.of());
    }

    /** 400 with OpenAI's {@code invalid_request_error}. */
    static ApiError invalid(String message, String param, String code) {
        return new ApiError(400, "invalid_request_error", message, param, code);
    }

    static ApiError missing(String param) {
        return invalid("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
    }

    static ApiError wrongType(String param, String expected, String got) {
        return invalid("Invalid type for '" + param + "': expected " + expected + ", but got " + got + " instead.",
                param, "invalid_type");
    }

    static ApiError outOfRange(String param, String expected, String got) {
        return invalid("Invalid '" + param + "': expected " + expected + ", but got " + got + " instead.", param,
                "invalid_value");
    }

    static ApiError unsupported(String param, String what) {
        return invalid(what + " is not supported by this server.", param, "unsupported_parameter");
    }

    static ApiError badJson(String detail) {
        return invalid("The request body is not valid JSON: " + detail, null, "invalid_json");
    }

    static ApiError contextLength(String message, String param) {
        return invalid(message, param, "context_length_exceeded");
    }

    static ApiError unauthorized() {
        return new ApiError(401, "authentication_error",
                "Missing or incorrect API key: send it as 'Authorization: Bearer KEY'.", null, "invalid_api_key",
                Map.of("WWW-Authenticate", "Bearer"));
    }

    static ApiError modelNotFound(String model) {
        return new ApiError(404, "invalid_request_error",
                "The model '" + quote(model) + "' does not exist; this server serves only the model listed at /v1/models.",
                "model", "model_not_found");
    }

    static ApiError notFound(String path) {
        return new ApiError(404, "invalid_request_error", "Unknown request URL: " + quote(path) + ".", null, "unknown_url");
    }

    static ApiError methodNotAllowed(String method, String path, String allowed) {
        return new ApiError(405, "invalid_request_error",
                "Method " + quote(method) + " is not allowed on " + quote(path) + "; use " + allowed + ".", null,
                "method_not_allowed", Map.of("Allow", allowed));
    }

    static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error",
                "The request body is larger than this server's limit of " + limit + " bytes.", null, "request_too_large");
    }

    static ApiError queueFull(String message) {
        return new ApiError(429, "rate_limit_error", message, null, "rate_limit_exceeded", Map.of("Retry-After", "1"));
    }

    static ApiError unavailable(String message) {
        return new ApiError(503, "unavailable_error", message, null, "unavailable", Map.of("Retry-After", "1"));
    }

    static ApiError internal(String message) {
        return new ApiError(500, "server_error", message, null, "internal_error");
    }

    /** {@code text} on one line (control characters spelled out), cut to at most about 80 characters. */
    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < text.length() && sb.length() < QUOTE_LIMIT) {
            int c = text.codePointAt(i);
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
            i += Character.charCount(c);
        }
        if (i < text.length()) {
            sb.append('…');
        }
        return sb.toString();
    }
}
