package dev.kiln.quant.floats;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against F16. */
class F16ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new F16();
    }
}
