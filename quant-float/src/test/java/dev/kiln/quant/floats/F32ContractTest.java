package dev.kiln.quant.floats;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against F32. */
class F32ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new F32();
    }
}
