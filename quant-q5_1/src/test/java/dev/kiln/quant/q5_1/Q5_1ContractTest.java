package dev.kiln.quant.q5_1;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against Q5_1. */
class Q5_1ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q5_1();
    }
}
