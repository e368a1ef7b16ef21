package dev.kiln.quant.floats;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against BF16. */
class BF16ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new BF16();
    }
}
