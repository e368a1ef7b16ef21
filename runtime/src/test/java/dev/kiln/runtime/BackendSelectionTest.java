package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackendSelectionTest {

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

    private static final Backend SCALAR = new FakeBackend("scalar", 10, null);
    private static final Backend VECTOR = new FakeBackend("vector", 100, null);
    private static final Backend GPU = new FakeBackend("gpu", 1000, "no GPU here");

    private final BackendSelection selection = new BackendSelection(List.of(SCALAR, VECTOR, GPU));

    @Test
    void without_a_name_the_supported_backend_with_highest_preference_wins() {
        assertEquals(VECTOR, selection.choose(null, null, null));
        assertEquals(VECTOR, selection.choose(" ", "", null));
    }

    @Test
    void the_option_beats_the_property_which_beats_the_environment() {
        assertEquals(SCALAR, selection.choose("scalar", "vector", "vector"));
        assertEquals(SCALAR, selection.choose(null, "scalar", "vector"));
        assertEquals(SCALAR, selection.choose(null, null, "SCALAR"));
    }

    @Test
    void an_unknown_name_lists_the_available_ones() {
        KilnException e = assertThrows(KilnException.class, () -> selection.choose(null, "cuda", null));
        assertTrue(e.getMessage().contains("unknown backend 'cuda'"), e.getMessage());
        assertTrue(e.getMessage().contains("kiln.backend"), e.getMessage());
        assertTrue(e.getMessage().contains("gpu, scalar, vector"), e.getMessage());
    }

    @Test
    void a_named_backend_that_cannot_run_says_why() {
        KilnException e = assertThrows(KilnException.class, () -> selection.choose(null, null, "gpu"));
        assertTrue(e.getMessage().contains("no GPU here") && e.getMessage().contains("KILN_BACKEND"), e.getMessage());
    }

    @Test
    void no_backends_is_a_clear_error() {
        KilnException e = assertThrows(KilnException.class, () -> new BackendSelection(List.of()).choose(null, null, null));
        assertTrue(e.getMessage().contains("no backend"), e.getMessage());
    }

    @Test
    void a_preferred_backend_that_cannot_run_is_skipped_with_one_warning_per_jvm() {
        // names of their own: the warning is once per JVM, so other tests must not have used them
        Backend fallback = new FakeBackend("fallback-once", 5, null);
        Backend missing = new FakeBackend("simd-once", 50, "module jdk.incubator.vector is not available");
        List<String> warnings = new ArrayList<>();
        BackendSelection first = new BackendSelection(List.of(fallback, missing), warnings::add);
        assertEquals(fallback, first.choose(null, null, null));
        assertEquals(fallback, first.choose(null, null, null));
        assertEquals(fallback, new BackendSelection(List.of(fallback, missing), warnings::add).choose(null, null, null));
        assertEquals(List.of("backend 'simd-once' cannot run here: module jdk.incubator.vector is not available;"
                + " using 'fallback-once' instead"), warnings);
    }

    @Test
    void nothing_is_said_when_the_preferred_backend_runs_or_one_is_named() {
        List<String> warnings = new ArrayList<>();
        Backend low = new FakeBackend("low-quiet", 1, null);
        Backend lowerUnsupported = new FakeBackend("unsupported-quiet", 0, "never here");
        Backend higherUnsupported = new FakeBackend("high-quiet", 9, "not here");
        assertEquals(low, new BackendSelection(List.of(low, lowerUnsupported), warnings::add).choose(null, null, null));
        assertEquals(low, new BackendSelection(List.of(low, higherUnsupported), warnings::add).choose("low-quiet", null, null));
        assertEquals(List.of(), warnings);
    }
}
