package dev.kiln.api.format;

import dev.kiln.api.GgmlType;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives in a model file.
 *
 * @param name the tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type the element type
 * @param shape dimensions in GGUF order: innermost (contiguous) first, as gguf-py reports
 *              them; {@code shape[0]} is the row length of a matrix
 * @param offset absolute byte offset of the first data byte in the file
 * @param byteSize length of the data in bytes
 */
public record TensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {

    public TensorInfo {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(type, "type is null");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i} (GGUF order), 1 beyond the rank. */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    /** Total number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Row length: the innermost dimension. */
    public long columns() {
        return dim(0);
    }

    /** Number of rows: the product of all but the innermost dimension. */
    public long rows() {
        return shape.length == 0 ? 1 : elementCount() / shape[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(shape) + " @" + offset + "+" + byteSize;
    }
}
