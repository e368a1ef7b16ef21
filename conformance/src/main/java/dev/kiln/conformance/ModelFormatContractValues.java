package dev.kiln.conformance;

import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The metadata values {@link ModelFormatContract} round-trips: every type at its edges. */
final class ModelFormatContractValues {
    private ModelFormatContractValues() {
    }

    /** Strings a format must keep byte for byte: empty, ASCII, Latin, CJK, emoji (ZWJ), combining marks, controls. */
    static final String[] STRINGS = {
        "", "a", "llama", "ünïcödé ÄÖÜß", "日本語のテキスト", "🔥", "👩‍👩‍👧‍👦 family", "e\u0301 (combining acute)",
        "tab\tnewline\ncr\r", "nul\u0000inside", "\u007f\u0080\u00ff", "\uffff\ud800\udc00", "▁Hello▁world", " ",
        "x".repeat(70_000),
    };

    static final float[] FLOATS = {
        0f, -0f, 1f, -1f, 1e-5f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 3.1415927f,
    };

    static final double[] DOUBLES = {
        0d, -0d, 1d, -1d, 1e-300, Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Math.PI,
    };

    /** Integer extremes per type, as the API holds them (unsigned widened, UINT64 as raw bits). */
    static long[] integers(ValueType type) {
        return switch (type) {
            case UINT8 -> new long[] {0, 1, 127, 128, 255};
            case INT8 -> new long[] {-128, -1, 0, 1, 127};
            case UINT16 -> new long[] {0, 1, 32767, 32768, 65535};
            case INT16 -> new long[] {-32768, -1, 0, 1, 32767};
            case UINT32 -> new long[] {0, 1, 2147483647L, 2147483648L, 4294967295L};
            case INT32 -> new long[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE};
            case UINT64 -> new long[] {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, -1L /* 2^64-1 */};
            case INT64 -> new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE};
            default -> throw new IllegalArgumentException(type + " is not an integer type");
        };
    }

    /** For each scalar type, the values to round-trip. */
    static Map<ValueType, List<MetadataValue>> scalars() {
        Map<ValueType, List<MetadataValue>> m = new LinkedHashMap<>();
        for (ValueType t : ValueType.values()) {
            List<MetadataValue> values = new ArrayList<>();
            if (t.isInteger()) {
                for (long v : integers(t)) {
                    values.add(new MetadataValue(t, v));
                }
            } else {
                switch (t) {
                    case FLOAT32 -> {
                        for (float f : FLOATS) {
                            values.add(new MetadataValue(t, f));
                        }
                    }
                    case FLOAT64 -> {
                        for (double d : DOUBLES) {
                            values.add(new MetadataValue(t, d));
                        }
                    }
                    case BOOL -> {
                        values.add(new MetadataValue(t, true));
                        values.add(new MetadataValue(t, false));
                    }
                    case STRING -> {
                        for (String s : STRINGS) {
                            values.add(new MetadataValue(t, s));
                        }
                    }
                    default -> {
                        continue; // arrays have their own checks
                    }
                }
            }
            m.put(t, values);
        }
        return m;
    }

    /** For each element type except ARRAY, an array of its edge values. */
    static Map<ValueType, MetadataArray> arrays() {
        Map<ValueType, MetadataArray> m = new LinkedHashMap<>();
        for (ValueType t : ValueType.values()) {
            if (t.isInteger()) {
                m.put(t, new MetadataArray(t, integers(t)));
            }
        }
        m.put(ValueType.FLOAT32, new MetadataArray(ValueType.FLOAT32, FLOATS.clone()));
        m.put(ValueType.FLOAT64, new MetadataArray(ValueType.FLOAT64, DOUBLES.clone()));
        m.put(ValueType.BOOL, new MetadataArray(ValueType.BOOL, new boolean[] {true, false, false, true}));
        m.put(ValueType.STRING, new MetadataArray(ValueType.STRING, STRINGS.clone()));
        return m;
    }

    static MetadataArray emptyArray(ValueType t) {
        if (t.isInteger()) {
            return new MetadataArray(t, new long[0]);
        }
        return switch (t) {
            case FLOAT32 -> new MetadataArray(t, new float[0]);
            case FLOAT64 -> new MetadataArray(t, new double[0]);
            case BOOL -> new MetadataArray(t, new boolean[0]);
            case STRING -> new MetadataArray(t, new String[0]);
            case ARRAY -> new MetadataArray(t, new MetadataArray[0]);
            default -> throw new AssertionError(t);
        };
    }

    /** An array of arrays of different element types, one of them empty. */
    static MetadataArray nested() {
        return new MetadataArray(ValueType.ARRAY, new MetadataArray[] {
            MetadataArray.ofIntegers(ValueType.INT32, 1, -2, 3),
            MetadataArray.ofStrings("a", "🔥", ""),
            MetadataArray.ofFloats(0.5f, Float.NaN),
            emptyArray(ValueType.UINT8),
            new MetadataArray(ValueType.BOOL, new boolean[] {true}),
        });
    }

    /** [[[...[1, 2]...]]] nested {@code depth} levels below the outer array. */
    static MetadataArray deeplyNested(int depth) {
        MetadataArray a = MetadataArray.ofIntegers(ValueType.UINT64, 1, -1);
        for (int i = 0; i < depth; i++) {
            a = new MetadataArray(ValueType.ARRAY, new MetadataArray[] {a, a});
        }
        return a;
    }
}
