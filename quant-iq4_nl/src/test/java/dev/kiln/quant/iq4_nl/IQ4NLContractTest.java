package dev.kiln.quant.iq4_nl;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against IQ4_NL. */
class IQ4NLContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new IQ4NL();
    }
}
