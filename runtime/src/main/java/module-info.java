module dev.kiln.runtime {
    requires transitive dev.kiln.api;

    exports dev.kiln.runtime;
    exports dev.kiln.runtime.generate;
    exports dev.kiln.runtime.batch;
    exports dev.kiln.runtime.quantize;
    exports dev.kiln.runtime.synth;
    exports dev.kiln.runtime.io;

    uses dev.kiln.api.format.ModelFormat;
    uses dev.kiln.api.quant.QuantType;
    uses dev.kiln.api.backend.Backend;
    uses dev.kiln.api.model.ModelArchitecture;
    uses dev.kiln.api.tokenizer.TokenizerFactory;
    uses dev.kiln.runtime.PluginCheck; // kiln check-plugin, loaded with the conformance kit
}
