package dev.kiln.model.llama;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.BackendContract;
import java.util.Collection;

/**
 * The backend contract on the scalar backend with every real quant plugin, which only meet
 * here (the backend's own module may not depend on plugins): matrix products per type.
 */
class ScalarBackendWithQuantPluginsTest extends BackendContract {

    @Override
    protected Backend subject() {
        return FixtureModels.scalar();
    }

    @Override
    protected Collection<? extends QuantType> quantTypes() {
        return FixtureModels.quantTypes().all();
    }
}
