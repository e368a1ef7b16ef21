// Guice 7 has no module-info, only an Automatic-Module-Name: requiring it is deliberate
@SuppressWarnings("requires-automatic")
module dev.kiln.cli {
    requires java.logging;
    requires java.management; // kiln bench: peak heap
    requires dev.kiln.api;
    requires dev.kiln.runtime;
    // unused by the cli itself: keeps the plugin toolkit in the boot layer, so a plugin jar
    // dropped into plugins/ (its own layer over the boot layer) may require it
    requires dev.kiln.toolkit;
    requires info.picocli;
    requires com.google.guice;
    requires jakarta.inject; // Guice's API types; an explicit module, so not resolved through the automatic Guice
    requires com.fasterxml.jackson.databind;

    // picocli sets option fields and Guice calls @Provides methods reflectively
    opens dev.kiln.cli to info.picocli, com.google.guice;

    uses dev.kiln.api.format.ModelFormat;
    uses dev.kiln.api.quant.QuantType;
    uses dev.kiln.api.backend.Backend;
    uses dev.kiln.api.model.ModelArchitecture;
    uses dev.kiln.api.tokenizer.TokenizerFactory;
}
