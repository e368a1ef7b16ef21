package dev.kiln.backend.vector;

import dev.kiln.api.backend.Backend;
import dev.kiln.conformance.BackendContract;

/** The vector backend against the kit's backend contract (every op, every quant plugin on the path). */
class VectorBackendContractTest extends BackendContract {

    @Override
    protected Backend subject() {
        return new VectorBackend();
    }
}
