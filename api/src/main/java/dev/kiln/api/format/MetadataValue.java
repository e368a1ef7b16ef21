package dev.kiln.api.format;

import java.util.Objects;

/**
 * One typed metadata value. The Java representation of {@link #value()} depends on the type:
 * integer types are a {@link Long} (unsigned values widened, UINT64 as raw bits), FLOAT32 a
 * {@link Float}, FLOAT64 a {@link Double}, BOOL a {@link Boolean}, STRING a {@link String},
 * ARRAY a {@link MetadataArray}.
 */
public record MetadataValue(ValueType type, Object value) {

    public MetadataValue {
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(value, "value is null");
        boolean ok = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> value instanceof Long;
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> value instanceof MetadataArray;
        };
        if (!ok) {
            throw new IllegalArgumentException(type + " value cannot be a " + value.getClass().getSimpleName());
        }
    }

    public static MetadataValue ofString(String s) {
        return new MetadataValue(ValueType.STRING, s);
    }

    public static MetadataValue ofUint32(long v) {
        return new MetadataValue(ValueType.UINT32, v);
    }

    public static MetadataValue ofInt32(int v) {
        return new MetadataValue(ValueType.INT32, (long) v);
    }

    public static MetadataValue ofUint64(long v) {
        return new MetadataValue(ValueType.UINT64, v);
    }

    public static MetadataValue ofFloat32(float v) {
        return new MetadataValue(ValueType.FLOAT32, v);
    }

    public static MetadataValue ofBool(boolean v) {
        return new MetadataValue(ValueType.BOOL, v);
    }

    public static MetadataValue ofArray(MetadataArray a) {
        return new MetadataValue(ValueType.ARRAY, a);
    }

    /** Integer value; fails for non-integer types. */
    public long asLong() {
        if (value instanceof Long l) {
            return l;
        }
        throw new IllegalStateException(type + " is not an integer");
    }

    /** Numeric value of any integer or float type (UINT64 read as unsigned). */
    public double asDouble() {
        return switch (value) {
            case Long l when type == ValueType.UINT64 && l < 0 -> (l >>> 1) * 2.0 + (l & 1);
            case Long l -> l;
            case Float f -> f;
            case Double d -> d;
            default -> throw new IllegalStateException(type + " is not a number");
        };
    }

    @Override
    public String toString() {
        if (type == ValueType.UINT64) {
            return Long.toUnsignedString((Long) value);
        }
        return String.valueOf(value);
    }
}
