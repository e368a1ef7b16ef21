package dev.kiln.examples.q5_0;

import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.QuantTypeContract;

/** The whole conformance kit against Q5_0, with the kit's own golden data (q5_0.gguf from ggml). */
class Q5_0ContractTest extends QuantTypeContract {
    @Override
    protected QuantType subject() {
        return new Q5_0();
    }
}
