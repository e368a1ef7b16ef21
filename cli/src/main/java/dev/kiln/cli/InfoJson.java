package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.format.ValueType;
import java.math.BigInteger;
import java.util.Map;

/**
 * The stable JSON form of {@code kiln info}: {@code {version, alignment, metadata, tensors}}.
 * Metadata values keep their full arrays; UINT64 values are unsigned numbers; a non-finite float
 * becomes the string {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"} (JSON has no such numbers).
 * Tensors are {@code {name, type, shape, offset, size}} with the shape in GGUF order and the
 * absolute file offset of the data.
 */
final class InfoJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private InfoJson() {
    }

    /** The JSON text for {@code file}, on one line. */
    static String of(ModelFile file) {
        try {
            return MAPPER.writeValueAsString(tree(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static ObjectNode tree(ModelFile file) {
        ObjectNode root = NODES.objectNode();
        root.put("version", file.version());
        root.put("alignment", file.alignment());
        ObjectNode metadata = root.putObject("metadata");
        for (Map.Entry<String, MetadataValue> e : file.metadata().asMap().entrySet()) {
            metadata.set(e.getKey(), value(e.getValue()));
        }
        ArrayNode tensors = root.putArray("tensors");
        for (TensorInfo t : file.tensors()) {
            ObjectNode node = tensors.addObject();
            node.put("name", t.name());
            node.put("type", t.type().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            node.put("offset", t.offset());
            node.put("size", t.byteSize());
        }
        return root;
    }

    private static JsonNode value(MetadataValue v) {
        return switch (v.value()) {
            case Long l -> integer(v.type(), l);
            case Float f -> real(f);
            case Double d -> real(d);
            case Boolean b -> NODES.booleanNode(b);
            case String s -> NODES.textNode(s);
            case MetadataArray a -> array(a);
            default -> throw new IllegalStateException("unexpected metadata value " + v);
        };
    }

    private static JsonNode array(MetadataArray a) {
        ArrayNode out = NODES.arrayNode(a.length());
        switch (a.values()) {
            case long[] values -> {
                for (long l : values) {
                    out.add(integer(a.elementType(), l));
                }
            }
            case float[] values -> {
                for (float f : values) {
                    out.add(real(f));
                }
            }
            case double[] values -> {
                for (double d : values) {
                    out.add(real(d));
                }
            }
            case boolean[] values -> {
                for (boolean b : values) {
                    out.add(b);
                }
            }
            case String[] values -> {
                for (String s : values) {
                    out.add(s);
                }
            }
            case MetadataArray[] values -> {
                for (MetadataArray nested : values) {
                    out.add(array(nested));
                }
            }
            default -> throw new IllegalStateException("unexpected metadata array " + a);
        }
        return out;
    }

    private static JsonNode integer(ValueType type, long value) {
        if (type == ValueType.UINT64 && value < 0) {
            return NODES.numberNode(new BigInteger(Long.toUnsignedString(value)));
        }
        return NODES.numberNode(value);
    }

    private static JsonNode real(float f) {
        return Float.isFinite(f) ? NODES.numberNode(f) : NODES.textNode(Float.toString(f));
    }

    private static JsonNode real(double d) {
        return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(Double.toString(d));
    }
}
