/**
 * Kiln's plugin toolkit: what many plugins share, in the manner of Trino's plugin toolkit, so
 * that {@code dev.kiln.api} stays interfaces and records. A plugin may require this module
 * besides the api; it depends on the api and the JDK only, and the application always has it
 * in the boot layer, so a jar dropped into {@code plugins/} can require it too.
 */
module dev.kiln.toolkit {
    requires transitive dev.kiln.api;

    exports dev.kiln.toolkit.compute;
    exports dev.kiln.toolkit.decoder;
    exports dev.kiln.toolkit.quant;
    exports dev.kiln.toolkit.quant.activation;
    exports dev.kiln.toolkit.quant.kquant;
}
