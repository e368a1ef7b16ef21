package dev.kiln.quant.q6_k;

import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.format.ModelFormat;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ServiceLoader;

/** The repository's fixture files (system property {@code kiln.fixtures}), opened with format-gguf. */
final class Fixtures {
    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Fixtures() {
    }

    static Path path(String relative) {
        return Path.of(System.getProperty("kiln.fixtures", "../fixtures")).resolve(relative);
    }

    /** Opens a fixture with the GGUF plugin found by ServiceLoader (format-gguf, a test dependency). */
    static ModelFile open(String relative) {
        Fixtures.class.getModule().addUses(ModelFormat.class);
        ModelFormat gguf = ServiceLoader.load(ModelFormat.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("gguf")).findFirst()
                .orElseThrow(() -> new AssertionError("no GGUF ModelFormat plugin on the test path"));
        return gguf.open(path(relative));
    }

    static TensorInfo tensor(ModelFile file, String name) {
        return file.tensor(name).orElseThrow(() -> new AssertionError(file.path() + " has no tensor " + name));
    }

    static float[] floats(ModelFile file, TensorInfo t) {
        return file.data(t).toArray(F32);
    }
}
