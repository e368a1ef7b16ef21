package dev.kiln.bench;

import dev.kiln.api.backend.Compute;
import dev.kiln.backend.scalar.ScalarBackend;
import dev.kiln.backend.vector.Lanes;
import dev.kiln.backend.vector.VectorCompute;

/** The two sides of every benchmark pair, with the same thread count. */
final class Contexts implements AutoCloseable {
    final Compute scalar;
    final Compute vector;

    Contexts(int threads, int bits) {
        scalar = new ScalarBackend().open(threads);
        vector = bits == 0 ? new VectorCompute(threads) : new VectorCompute(threads, Lanes.of(bits));
    }

    @Override
    public void close() {
        scalar.close();
        vector.close();
    }
}
