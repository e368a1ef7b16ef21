package dev.kiln.format.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FixtureSmokeTest {
    @Test
    void opensStories() {
        Path p = Path.of(System.getProperty("kiln.fixtures"), "models", "stories260K.gguf");
        try (ModelFile f = new GgufFormat().open(p)) {
            assertEquals(3, f.version());
            assertFalse(f.tensors().isEmpty());
            for (TensorInfo t : f.tensors()) {
                assertEquals(t.byteSize(), f.data(t).byteSize());
            }
            System.out.println(f + " " + f.metadata().keys());
        }
    }
}
