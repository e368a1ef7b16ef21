package dev.kiln.quant.q2_k;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** The conformance kit's quant-type contract against Q2_K. */
class Q2KContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q2K();
    }
}
