package dev.kiln.format.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.format.ValueType;
import dev.kiln.conformance.Check;
import dev.kiln.conformance.ModelFormatContract;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The format contract has teeth: plausible bugs in a format plugin make the right checks fail. */
class KitDetectsBrokenFormatTest {

    /** GGUF, but -0.0 comes back as 0.0, alignment() always says 32 and recognizes() says yes to anything. */
    private static final class SloppyFormat implements ModelFormat {
        private final GgufFormat gguf = new GgufFormat();

        @Override
        public String name() {
            return "sloppy";
        }

        @Override
        public boolean recognizes(Path file) {
            return true;
        }

        @Override
        public ModelFile open(Path file) {
            ModelFile f = gguf.open(file);
            Map<String, MetadataValue> m = new LinkedHashMap<>();
            f.metadata().asMap().forEach((k, v) -> m.put(k,
                    v.type() == ValueType.FLOAT32 && (Float) v.value() == 0f ? MetadataValue.ofFloat32(0f) : v));
            Metadata metadata = new Metadata(m);
            return new ModelFile() {
                @Override
                public Path path() {
                    return f.path();
                }

                @Override
                public int version() {
                    return f.version();
                }

                @Override
                public long alignment() {
                    return 32;
                }

                @Override
                public Metadata metadata() {
                    return metadata;
                }

                @Override
                public List<TensorInfo> tensors() {
                    return f.tensors();
                }

                @Override
                public Optional<TensorInfo> tensor(String name) {
                    return f.tensor(name);
                }

                @Override
                public MemorySegment data(TensorInfo tensor) {
                    return f.data(tensor);
                }

                @Override
                public void close() {
                    f.close();
                }
            };
        }

        @Override
        public ModelWriter create(Path file) {
            return gguf.create(file);
        }
    }

    @Test
    void sloppyFormatFailsExactlyTheChecksItBreaks() {
        TreeSet<String> failed = new TreeSet<>();
        for (Check c : ModelFormatContract.checks(new SloppyFormat())) {
            try {
                c.body().execute();
            } catch (Throwable t) {
                failed.add(c.name().replaceAll(" values \\[.*", ""));
            }
        }
        assertTrue(failed.contains("round trip of FLOAT32"), failed.toString());
        assertTrue(failed.contains("tensor round trip: types, ranks, bytes, general.alignment 64 honoured"), failed.toString());
        assertTrue(failed.contains("recognizes a written file and nothing else"), failed.toString());
        assertEquals(3, failed.size(), "only the broken behaviours fail: " + failed);
    }
}
