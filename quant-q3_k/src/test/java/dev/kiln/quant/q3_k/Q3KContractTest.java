package dev.kiln.quant.q3_k;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** The conformance kit's quant-type contract against Q3_K. */
class Q3KContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q3K();
    }
}
