package dev.kiln.quant.q5_0;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against Q5_0. */
class Q5_0ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q5_0();
    }
}
