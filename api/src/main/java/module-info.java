/**
 * Kiln's service-provider interfaces. Every other module is a plugin that implements one
 * of these and is found with {@link java.util.ServiceLoader}. Depends on the JDK only, and holds
 * interfaces, records and the tables of facts they use (ggml's type table, GGUF's value types,
 * the typed errors); what plugins share beyond that is in {@code dev.kiln.toolkit}.
 */
module dev.kiln.api {
    exports dev.kiln.api;
    exports dev.kiln.api.format;
    exports dev.kiln.api.quant;
    exports dev.kiln.api.backend;
    exports dev.kiln.api.model;
    exports dev.kiln.api.tokenizer;

    uses dev.kiln.api.format.ModelFormat;
    uses dev.kiln.api.quant.QuantType;
    uses dev.kiln.api.backend.Backend;
    uses dev.kiln.api.model.ModelArchitecture;
    uses dev.kiln.api.tokenizer.TokenizerFactory;
}
