package dev.kiln.api.backend;

import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A weight matrix of {@code rows} rows of {@code columns} elements, stored row after row in
 * {@code data} (zero-copy: a slice of the mapped model file) in the layout of {@code type}.
 */
public record Weights(String name, QuantType type, MemorySegment data, int rows, int columns) {

    public Weights {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(data, "data is null");
        long need = type.byteSize((long) columns) * rows;
        if (data.byteSize() < need) {
            throw new IllegalArgumentException(name + ": " + rows + "x" + columns + " " + type.name()
                    + " needs " + need + " bytes, segment has " + data.byteSize());
        }
    }

    /** Bytes in one row. */
    public long rowBytes() {
        return type.byteSize(columns);
    }
}
