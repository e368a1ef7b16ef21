package dev.kiln.quant.q4_0;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against Q4_0. */
class Q4_0ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q4_0();
    }
}
