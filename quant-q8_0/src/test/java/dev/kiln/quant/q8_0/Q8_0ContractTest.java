package dev.kiln.quant.q8_0;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against Q8_0. */
class Q8_0ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q8_0();
    }
}
