package dev.kiln.toolkit.decoder;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import java.util.Arrays;
import java.util.Optional;

/**
 * Looks a model file's tensors up, checks their shapes and wraps their data: matrices zero-copy
 * as {@link Weights} (any quant type on any matrix), vectors read into arrays. Every failure is
 * a {@link KilnException} naming the file, the tensor and the shape expected.
 */
public final class TensorBinder {
    private final ModelFile file;
    private final QuantTypes types;

    public TensorBinder(ModelFile file, QuantTypes types) {
        this.file = file;
        this.types = types;
    }

    public ModelFile file() {
        return file;
    }

    /** Whether the file has tensor {@code name}. */
    public boolean has(String name) {
        return file.tensor(name).isPresent();
    }

    /** Matrix {@code name} of {@code rows} rows of {@code columns} values. */
    public Weights matrix(String name, int rows, int columns, String meaning) {
        TensorInfo t = require(name);
        long[] expected = {columns, rows};
        if (!sameShape(t.shape(), expected)) {
            throw wrongShape(t, expected, meaning);
        }
        QuantType type = types.require(t.type(), file.path() + ": tensor " + name);
        try {
            return new Weights(name, type, file.data(t), rows, columns);
        } catch (IllegalArgumentException e) {
            throw new KilnException(file.path() + ": tensor " + name + ": " + e.getMessage(), e);
        }
    }

    /** Vector {@code name} of {@code length} values, dequantized into an array. */
    public float[] vector(String name, int length, String meaning) {
        TensorInfo t = require(name);
        long[] expected = {length};
        if (!sameShape(t.shape(), expected)) {
            throw wrongShape(t, expected, meaning);
        }
        QuantType type = types.require(t.type(), file.path() + ": tensor " + name);
        float[] values = new float[length];
        type.dequantize(file.data(t), 0, values, 0, length);
        return values;
    }

    private TensorInfo require(String name) {
        Optional<TensorInfo> t = file.tensor(name);
        return t.orElseThrow(() -> new KilnException(file.path() + ": tensor " + name + " is missing"));
    }

    /** Equal shapes, ignoring trailing dimensions of 1. */
    private static boolean sameShape(long[] actual, long[] expected) {
        int n = Math.max(actual.length, expected.length);
        for (int i = 0; i < n; i++) {
            long a = i < actual.length ? actual[i] : 1;
            long e = i < expected.length ? expected[i] : 1;
            if (a != e) {
                return false;
            }
        }
        return true;
    }

    private KilnException wrongShape(TensorInfo t, long[] expected, String meaning) {
        return new KilnException(file.path() + ": tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                + ", expected " + Arrays.toString(expected) + " (" + meaning + ", GGUF order)");
    }
}
