package dev.kiln.backend.scalar;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;

/**
 * The reference backend: obviously correct Java loops, multithreaded over rows and heads. It
 * runs everywhere, so it is the fallback (preference 0) and the yardstick for faster backends.
 */
public final class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int preference() {
        return 0;
    }

    @Override
    public Compute open(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new ScalarCompute(name(), threads);
    }
}
