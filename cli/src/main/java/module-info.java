module dev.kiln.cli {
    requires dev.kiln.api;
    requires dev.kiln.runtime;
    requires info.picocli;
    requires com.google.guice;
    requires com.fasterxml.jackson.databind;

    uses dev.kiln.api.format.ModelFormat;
    uses dev.kiln.api.quant.QuantType;
    uses dev.kiln.api.backend.Backend;
    uses dev.kiln.api.model.ModelArchitecture;
    uses dev.kiln.api.tokenizer.TokenizerFactory;
}
