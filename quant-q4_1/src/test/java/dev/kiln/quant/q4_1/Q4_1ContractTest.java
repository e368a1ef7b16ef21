package dev.kiln.quant.q4_1;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against Q4_1. */
class Q4_1ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q4_1();
    }
}
