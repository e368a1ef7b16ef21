package dev.kiln.runtime;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.tokenizer.TokenizerFactory;
import java.util.function.Function;

/** The five kinds of Kiln plugin: one service interface each, and how a provider names itself. */
public enum PluginKind {
    FORMAT("format", ModelFormat.class, p -> ((ModelFormat) p).name()),
    QUANT("quant", QuantType.class, p -> ((QuantType) p).name()),
    BACKEND("backend", Backend.class, p -> ((Backend) p).name()),
    ARCHITECTURE("architecture", ModelArchitecture.class, p -> ((ModelArchitecture) p).name()),
    TOKENIZER("tokenizer", TokenizerFactory.class, p -> ((TokenizerFactory) p).model());

    private final String label;
    private final Class<?> service;
    private final Function<Object, String> naming;

    PluginKind(String label, Class<?> service, Function<Object, String> naming) {
        this.label = label;
        this.service = service;
        this.naming = naming;
    }

    /** Lower-case word used in listings, e.g. {@code quant}. */
    public String label() {
        return label;
    }

    /** The service interface providers implement. */
    public Class<?> service() {
        return service;
    }

    /** The name {@code provider} is chosen by (format name, GGML type name, backend name, ...). */
    String nameOf(Object provider) {
        return naming.apply(provider);
    }
}
