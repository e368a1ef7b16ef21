package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.runtime.BackendSelection;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, finding 11: the README says the backend choice falls back to scalar "with one
 * warning" when the Vector API is unavailable; it fell back silently. The engine warns through
 * System.Logger, which the CLI prints as {@code kiln: warning: ...}.
 */
class BackendFallbackWarningTest {

    private record FakeBackend(String name, int preference, String unsupported) implements Backend {
        @Override
        public Optional<String> unsupportedReason() {
            return Optional.ofNullable(unsupported);
        }

        @Override
        public Compute open(int threads) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void falling_back_from_the_preferred_backend_warns_once() {
        Backend plain = new FakeBackend("plain", 10, null);
        Backend simd = new FakeBackend("simd", 100, "module jdk.incubator.vector is not available");
        StringWriter err = new StringWriter();
        try (Warnings _ = Warnings.to(new PrintWriter(err))) {
            BackendSelection selection = new BackendSelection(List.of(plain, simd));
            assertEquals(plain, selection.choose(null, null, null));
            assertEquals(plain, new BackendSelection(List.of(plain, simd)).choose(null, null, null));
            assertEquals(plain, selection.choose("plain", null, null));
        }
        assertEquals("kiln: warning: the simd backend cannot run here (module jdk.incubator.vector is not available); "
                + "using plain" + System.lineSeparator(), err.toString());
    }
}
