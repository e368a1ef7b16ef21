package dev.kiln.api.format;

import java.util.Arrays;
import java.util.Objects;

/**
 * A typed metadata array. Elements are held in one primitive Java array chosen by the
 * element type, so a 128k-entry vocabulary costs one array, not 128k boxes:
 * integer types in {@code long[]} (unsigned values widened; UINT64 as raw bits),
 * FLOAT32 in {@code float[]}, FLOAT64 in {@code double[]}, BOOL in {@code boolean[]},
 * STRING in {@code String[]}, nested ARRAY in {@code MetadataArray[]}.
 *
 * @param elementType the GGUF type of every element
 * @param values the primitive array described above (not copied; treat as read-only)
 */
public record MetadataArray(ValueType elementType, Object values) {

    public MetadataArray {
        Objects.requireNonNull(elementType, "elementType is null");
        Objects.requireNonNull(values, "values is null");
        Class<?> expected = arrayClassFor(elementType);
        if (values.getClass() != expected) {
            throw new IllegalArgumentException(
                    elementType + " array needs " + expected.getSimpleName() + ", got " + values.getClass().getSimpleName());
        }
    }

    private static Class<?> arrayClassFor(ValueType type) {
        if (type.isInteger()) {
            return long[].class;
        }
        return switch (type) {
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> MetadataArray[].class;
            default -> throw new AssertionError(type);
        };
    }

    /** Number of elements. */
    public int length() {
        return java.lang.reflect.Array.getLength(values);
    }

    /** Element {@code i} as a scalar value. */
    public MetadataValue get(int i) {
        return switch (values) {
            case long[] a -> new MetadataValue(elementType, a[i]);
            case float[] a -> new MetadataValue(elementType, a[i]);
            case double[] a -> new MetadataValue(elementType, a[i]);
            case boolean[] a -> new MetadataValue(elementType, a[i]);
            case String[] a -> new MetadataValue(elementType, a[i]);
            case MetadataArray[] a -> new MetadataValue(elementType, a[i]);
            default -> throw new AssertionError();
        };
    }

    public static MetadataArray ofStrings(String... values) {
        return new MetadataArray(ValueType.STRING, values);
    }

    public static MetadataArray ofFloats(float... values) {
        return new MetadataArray(ValueType.FLOAT32, values);
    }

    /** An integer array of GGUF type {@code type} (e.g. INT32 for token types). */
    public static MetadataArray ofIntegers(ValueType type, long... values) {
        return new MetadataArray(type, values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MetadataArray other
                && elementType == other.elementType
                && Objects.deepEquals(values, other.values);
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        return elementType + "[" + length() + "]";
    }
}
