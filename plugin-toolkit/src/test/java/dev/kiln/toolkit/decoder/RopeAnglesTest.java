package dev.kiln.toolkit.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RoPE angles: base, dimension count, linear scaling and Llama 3 frequency factors, against double math. */
class RopeAnglesTest {

    @TempDir
    Path tmp;

    private static final ArchitectureKeys LLAMA = new ArchitectureKeys("llama");

    private static RopeAngles angles(float base, int ropeDims, float freqScale, float[] factors) {
        return new RopeAngles(new RopeFrequencies(base, freqScale), ropeDims, factors);
    }

    private static ModelFormat gguf() {
        RopeAnglesTest.class.getModule().addUses(ModelFormat.class);
        for (ModelFormat format : ServiceLoader.load(ModelFormat.class)) {
            if (format.name().equals("gguf")) {
                return format;
            }
        }
        throw new AssertionError("no gguf format plugin on the test path");
    }

    private static void expectAngles(RopeTable t, double base, int n, double scale, float[] factors) {
        for (int p = 0; p < t.positions(); p++) {
            for (int i = 0; i < t.pairs(); i++) {
                double angle = scale * p * Math.pow(base, -2.0 * i / n) / (factors == null ? 1 : factors[i]);
                assertEquals(Math.cos(angle), t.cos()[p * t.pairs() + i], 1e-4, "cos p=" + p + " i=" + i);
                assertEquals(Math.sin(angle), t.sin()[p * t.pairs() + i], 1e-4, "sin p=" + p + " i=" + i);
            }
        }
    }

    @Test
    void plainAngles() {
        RopeTable t = angles(10000f, 32, 1f, null).table(64);
        assertEquals(16, t.pairs());
        expectAngles(t, 10000, 32, 1, null);
        assertEquals((float) Math.cos(63), t.cos()[63 * 16], "pair 0 turns by the position itself");
    }

    @Test
    void partialRotationLinearScalingAndFrequencyFactors() {
        float[] factors = new float[8];
        for (int i = 0; i < 8; i++) {
            factors[i] = 1 + i * 0.5f;
        }
        RopeTable t = angles(500000f, 16, 0.25f, factors).table(64);
        assertEquals(8, t.pairs());
        expectAngles(t, 500000, 16, 0.25, factors);
    }

    private Path withMetadata(Map<String, MetadataValue> extra) {
        Path out = tmp.resolve("m" + extra.hashCode() + ".gguf");
        Path stories = Path.of(System.getProperty("kiln.fixtures"), "models", "stories260K.gguf");
        try (ModelFile src = gguf().open(stories)) {
            ModelWriter w = gguf().create(out);
            w.putAll(src.metadata());
            extra.forEach(w::put);
            for (TensorInfo ti : src.tensors()) {
                w.addTensor(ti.name(), ti.type(), ti.shape(), target -> target.copyFrom(src.data(ti)));
            }
            w.write();
        }
        return out;
    }

    @Test
    void scalingKeysAsLlamaCppReadsThem() {
        Path linear = withMetadata(Map.of("llama.rope.scaling.type", MetadataValue.ofString("linear"),
                "llama.rope.scaling.factor", MetadataValue.ofFloat32(4f)));
        try (ModelFile f = gguf().open(linear)) {
            assertEquals(0.25f, HyperParameters.read(f, LLAMA).ropeFreqScale());
        }
        Path none = withMetadata(Map.of("llama.rope.scaling.type", MetadataValue.ofString("none"),
                "llama.rope.scaling.factor", MetadataValue.ofFloat32(4f)));
        try (ModelFile f = gguf().open(none)) {
            assertEquals(1f, HyperParameters.read(f, LLAMA).ropeFreqScale());
        }
        Path yarn = withMetadata(Map.of("llama.rope.scaling.type", MetadataValue.ofString("yarn")));
        try (ModelFile f = gguf().open(yarn)) {
            KilnException e = assertThrows(KilnException.class, () -> HyperParameters.read(f, LLAMA));
            assertTrue(e.getMessage().contains("yarn"), e.getMessage());
        }
    }
}
