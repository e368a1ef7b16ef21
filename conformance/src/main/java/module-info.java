module dev.kiln.conformance {
    requires transitive dev.kiln.api;
    requires transitive org.junit.jupiter.api;
    exports dev.kiln.conformance;
    uses dev.kiln.api.format.ModelFormat;

    uses dev.kiln.api.quant.QuantType;
    uses dev.kiln.api.backend.Backend;
}
