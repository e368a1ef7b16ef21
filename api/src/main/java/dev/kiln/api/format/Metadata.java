package dev.kiln.api.format;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A model file's key/value metadata, in file order, with typed accessors. A missing key or a
 * value of the wrong type is a {@link MetadataException} naming the key.
 */
public final class Metadata {
    private final Map<String, MetadataValue> entries;

    public Metadata(Map<String, MetadataValue> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(entries, "entries is null")));
    }

    /** All entries in file order. */
    public Map<String, MetadataValue> asMap() {
        return entries;
    }

    public Set<String> keys() {
        return entries.keySet();
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Optional<MetadataValue> find(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public MetadataValue get(String key) {
        MetadataValue v = entries.get(key);
        if (v == null) {
            throw new MetadataException(key, "is missing");
        }
        return v;
    }

    public String getString(String key) {
        return asString(key, get(key));
    }

    public Optional<String> findString(String key) {
        return find(key).map(v -> asString(key, v));
    }

    /** An integer value of any integer type. */
    public long getLong(String key) {
        return asLong(key, get(key));
    }

    public Optional<Long> findLong(String key) {
        return find(key).map(v -> asLong(key, v));
    }

    /** An integer value that must fit an {@code int}. */
    public int getInt(String key) {
        return toInt(key, getLong(key));
    }

    public int getInt(String key, int defaultValue) {
        return find(key).map(v -> toInt(key, asLong(key, v))).orElse(defaultValue);
    }

    /** A float or integer value as a float. */
    public float getFloat(String key) {
        return (float) asNumber(key, get(key));
    }

    public float getFloat(String key, float defaultValue) {
        return find(key).map(v -> (float) asNumber(key, v)).orElse(defaultValue);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return find(key).map(v -> {
            if (v.value() instanceof Boolean b) {
                return b;
            }
            throw new MetadataException(key, "is " + v.type() + ", expected BOOL");
        }).orElse(defaultValue);
    }

    public MetadataArray getArray(String key) {
        MetadataValue v = get(key);
        if (v.value() instanceof MetadataArray a) {
            return a;
        }
        throw new MetadataException(key, "is " + v.type() + ", expected ARRAY");
    }

    public String[] getStringArray(String key) {
        MetadataArray a = getArray(key);
        if (a.values() instanceof String[] s) {
            return s;
        }
        throw new MetadataException(key, "is an array of " + a.elementType() + ", expected STRING");
    }

    public float[] getFloatArray(String key) {
        MetadataArray a = getArray(key);
        return switch (a.values()) {
            case float[] f -> f;
            case double[] d -> {
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    f[i] = (float) d[i];
                }
                yield f;
            }
            default -> throw new MetadataException(key, "is an array of " + a.elementType() + ", expected FLOAT32");
        };
    }

    /** An integer array whose values must fit an {@code int}. */
    public int[] getIntArray(String key) {
        MetadataArray a = getArray(key);
        if (a.values() instanceof long[] l) {
            int[] out = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                out[i] = toInt(key, l[i]);
            }
            return out;
        }
        throw new MetadataException(key, "is an array of " + a.elementType() + ", expected an integer type");
    }

    private static String asString(String key, MetadataValue v) {
        if (v.value() instanceof String s) {
            return s;
        }
        throw new MetadataException(key, "is " + v.type() + ", expected STRING");
    }

    private static long asLong(String key, MetadataValue v) {
        if (v.value() instanceof Long l) {
            return l;
        }
        throw new MetadataException(key, "is " + v.type() + ", expected an integer");
    }

    private static double asNumber(String key, MetadataValue v) {
        return switch (v.value()) {
            case Long l -> l;
            case Float f -> f;
            case Double d -> d;
            default -> throw new MetadataException(key, "is " + v.type() + ", expected a number");
        };
    }

    private static int toInt(String key, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new MetadataException(key, "value " + v + " does not fit an int");
        }
        return (int) v;
    }

    @Override
    public String toString() {
        return "Metadata" + entries.keySet();
    }
}
