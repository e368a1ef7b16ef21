package dev.kiln.quant.q4_k;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against Q4_K. */
class Q4KContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q4K();
    }
}
