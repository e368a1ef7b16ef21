package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The fields of one JSON object of a request, read with their types checked: a field that is
 * absent or {@code null} is "not given", one of the wrong type or out of range is an
 * {@link ApiError} naming it (as {@code messages[2].content}).
 */
final class RequestFields {
    private final JsonNode object;
    private final String path;

    private RequestFields(JsonNode object, String path) {
        this.object = object;
        this.path = path;
    }

    /** The fields of {@code node}, which must be a JSON object; {@code path} names it in errors ("" for the body). */
    static RequestFields of(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw path.isEmpty()
                    ? ApiError.invalid("The request body must be a JSON object, got " + describe(node) + ".", null, "invalid_type")
                    : ApiError.wrongType(path, "an object", describe(node));
        }
        return new RequestFields(node, path);
    }

    /** The name of field {@code name} in error messages. */
    String param(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** The field's value, or empty when it is absent or null. */
    Optional<JsonNode> value(String name) {
        JsonNode v = object.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    JsonNode required(String name) {
        return value(name).orElseThrow(() -> ApiError.missing(param(name)));
    }

    Optional<String> string(String name) {
        return value(name).map(v -> {
            if (!v.isTextual()) {
                throw ApiError.wrongType(param(name), "a string", describe(v));
            }
            return v.textValue();
        });
    }

    Optional<Boolean> bool(String name) {
        return value(name).map(v -> {
            if (!v.isBoolean()) {
                throw ApiError.wrongType(param(name), "a boolean", describe(v));
            }
            return v.booleanValue();
        });
    }

    /** A number between {@code min} and {@code max} (inclusive). */
    OptionalDouble number(String name, double min, double max) {
        Optional<JsonNode> value = value(name);
        if (value.isEmpty()) {
            return OptionalDouble.empty();
        }
        JsonNode v = value.get();
        if (!v.isNumber()) {
            throw ApiError.wrongType(param(name), "a number", describe(v));
        }
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw ApiError.outOfRange(param(name), "a number from " + plain(min) + " to " + plain(max), v.asText());
        }
        return OptionalDouble.of(d);
    }

    /** A whole number between {@code min} and {@code max} (inclusive); {@code 3.0} counts as whole. */
    OptionalLong integer(String name, long min, long max) {
        Optional<JsonNode> value = value(name);
        if (value.isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(integer(value.get(), param(name), min, max));
    }

    /** {@code v} as a whole number between {@code min} and {@code max}; {@code param} names it in errors. */
    static long integer(JsonNode v, String param, long min, long max) {
        if (!v.isNumber() || !v.canConvertToExactIntegral()) {
            throw ApiError.wrongType(param, "an integer", describe(v));
        }
        if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw ApiError.outOfRange(param, "an integer from " + min + " to " + max, ApiError.quote(v.asText()));
        }
        return v.longValue();
    }

    /** What a JSON value is, for messages: "a string", "an array", … */
    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        JsonNodeType t = v.getNodeType();
        return switch (t) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case NUMBER -> v.isIntegralNumber() ? "an integer" : "a decimal number";
            case STRING -> "a string";
            case BINARY, MISSING -> "an unsupported value";
        };
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
