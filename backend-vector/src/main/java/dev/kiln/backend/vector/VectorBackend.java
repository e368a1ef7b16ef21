package dev.kiln.backend.vector;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import java.util.Optional;

/**
 * The {@code vector} backend: SIMD kernels on {@code jdk.incubator.vector}, preferred over
 * {@code scalar} whenever the Vector API is present and useful in this JVM.
 */
public final class VectorBackend implements Backend {

    /** The backend's name. */
    public static final String NAME = "vector";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int preference() {
        return 100;
    }

    @Override
    public Optional<String> unsupportedReason() {
        return VectorSupport.unsupportedReason();
    }

    @Override
    public Compute open(int threads) {
        unsupportedReason().ifPresent(reason -> {
            throw new KilnException("the vector backend cannot run in this JVM: " + reason);
        });
        return new VectorCompute(threads);
    }
}
