package dev.kiln.quant.q5_k;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** The conformance kit's quant-type contract against Q5_K. */
class Q5KContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q5K();
    }
}
