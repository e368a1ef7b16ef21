package dev.kiln.quant.q6_k;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against Q6_K. */
class Q6KContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q6K();
    }
}
