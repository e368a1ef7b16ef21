package dev.kiln.quant.iq4_xs;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** Runs the conformance kit's quant-type contract against IQ4_XS. */
class IQ4XSContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new IQ4XS();
    }
}
