package dev.kiln.api.format;

import java.util.Optional;

/** The metadata value types of GGUF, with their on-disk ids. */
public enum ValueType {
    UINT8(0), INT8(1), UINT16(2), INT16(3), UINT32(4), INT32(5), FLOAT32(6), BOOL(7),
    STRING(8), ARRAY(9), UINT64(10), INT64(11), FLOAT64(12);

    private final int id;

    ValueType(int id) {
        this.id = id;
    }

    /** The id GGUF stores for this type. */
    public int id() {
        return id;
    }

    /** Whether values of this type are integers (held as {@code long}). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with GGUF id {@code id}. */
    public static Optional<ValueType> byId(long id) {
        for (ValueType t : values()) {
            if (t.id == id) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
