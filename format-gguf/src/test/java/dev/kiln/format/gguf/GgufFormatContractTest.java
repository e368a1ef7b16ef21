package dev.kiln.format.gguf;

import dev.kiln.api.format.ModelFormat;
import dev.kiln.conformance.ModelFormatContract;

/** Our GGUF plugin against the kit's format contract. */
class GgufFormatContractTest extends ModelFormatContract {
    @Override
    protected ModelFormat subject() {
        return new GgufFormat();
    }
}
