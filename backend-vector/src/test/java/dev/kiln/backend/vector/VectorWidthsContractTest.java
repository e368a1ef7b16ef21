package dev.kiln.backend.vector;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.conformance.BackendContract;
import dev.kiln.conformance.Check;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The whole backend contract again with the kernels forced to 256- and 128-bit vectors. */
class VectorWidthsContractTest {

    private static Backend at(int bits) {
        return new Backend() {
            @Override
            public String name() {
                return VectorBackend.NAME;
            }

            @Override
            public int preference() {
                return 0;
            }

            @Override
            public Compute open(int threads) {
                return new VectorCompute(threads, Lanes.of(bits));
            }
        };
    }

    @TestFactory
    Stream<DynamicTest> contractAtNarrowerWidths() {
        return IntStream.of(256, 128).boxed().flatMap(bits -> BackendContract.checks(at(bits)).stream()
                .map(c -> new Check(c.contract() + " @" + bits + "-bit", c.name(), c.body()))
                .map(Check::toDynamicTest));
    }
}
