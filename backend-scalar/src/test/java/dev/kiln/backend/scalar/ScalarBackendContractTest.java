package dev.kiln.backend.scalar;

import dev.kiln.api.backend.Backend;
import dev.kiln.conformance.BackendContract;

/** The scalar backend against the kit's backend contract. */
class ScalarBackendContractTest extends BackendContract {

    @Override
    protected Backend subject() {
        return new ScalarBackend();
    }
}
