package dev.kiln.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.GenerateParams;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The library on a class path without {@code --add-modules jdk.incubator.vector}, as a Spark
 * executor or a plain {@code java -cp} application starts it (surefire runs this class in its own
 * execution without that flag): the scalar backend is chosen, with one warning that says how to
 * get the vector backend, and the text is llama.cpp's.
 */
class ClassPathWithoutVectorApiTest {

    @Test
    void the_scalar_backend_runs_with_one_warning_when_the_vector_api_is_missing() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty(),
                "this test must run without --add-modules jdk.incubator.vector");
        Logger log = Logger.getLogger("dev.kiln.runtime.BackendSelection");
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try {
            for (int i = 0; i < 2; i++) {
                try (KilnModel m = Kiln.load(KilnLibraryTest.STORIES, ModelOptions.defaults().withThreads(2))) {
                    assertEquals("scalar", m.backendName());
                    assertEquals(KilnLibraryTest.llamaCppContinuation("p1"),
                            m.generate("Once upon a time", GenerateParams.greedy(128), t -> { }).text());
                }
            }
        } finally {
            log.removeHandler(capture);
        }
        assertEquals(1, warnings.size(), "one warning for two loads");
        String message = warnings.get(0).getMessage();
        assertTrue(message.contains("the vector backend cannot run here") && message.contains("--add-modules jdk.incubator.vector")
                && message.contains("using scalar"), message);
    }
}
