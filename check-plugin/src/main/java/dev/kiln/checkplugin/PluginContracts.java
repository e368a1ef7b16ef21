package dev.kiln.checkplugin;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.conformance.BackendContract;
import dev.kiln.conformance.Check;
import dev.kiln.conformance.ModelFormatContract;
import dev.kiln.conformance.QuantTypeContract;
import dev.kiln.conformance.TokenizerContract;
import dev.kiln.runtime.Plugin;
import dev.kiln.runtime.PluginKind;
import dev.kiln.runtime.Plugins;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which conformance checks apply to a plugin: the kit's contract for its kind, built the way the
 * plugin will be used (backends with every quant type available, tokenizers from real vocabularies).
 */
final class PluginContracts {
    private final Plugins builtIn;
    private final List<Plugin> provided;
    private final List<Path> vocabularies;

    /** The checks for one plugin, and notes on what could not be checked. */
    record Checks(List<Check> list, List<String> notes) {
    }

    PluginContracts(List<Plugin> builtIn, List<Plugin> provided, List<Path> vocabularies) {
        this.builtIn = new Plugins(builtIn);
        this.provided = List.copyOf(provided);
        this.vocabularies = List.copyOf(vocabularies);
    }

    Checks checksFor(Plugin plugin) {
        return switch (plugin.kind()) {
            case QUANT -> new Checks(QuantTypeContract.checks(plugin.as(QuantType.class)), List.of());
            case FORMAT -> new Checks(ModelFormatContract.checks(plugin.as(ModelFormat.class)), List.of());
            case BACKEND -> new Checks(BackendContract.checks(plugin.as(Backend.class), quantTypes()), List.of());
            case TOKENIZER -> tokenizerChecks(plugin.as(TokenizerFactory.class));
            case ARCHITECTURE -> new Checks(List.of(),
                    List.of("the kit has no contract for architecture plugins; not checked"));
        };
    }

    /** Every quant type: built in, and the jar's own (which replace nothing: names must differ). */
    private List<QuantType> quantTypes() {
        List<QuantType> all = new ArrayList<>(builtIn.quantTypes());
        provided.stream().filter(p -> p.kind() == PluginKind.QUANT).forEach(p -> all.add(p.as(QuantType.class)));
        return all;
    }

    /** The tokenizer contract on each vocabulary whose {@code tokenizer.ggml.model} is the factory's. */
    private Checks tokenizerChecks(TokenizerFactory factory) {
        List<Check> checks = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Path vocab : vocabularies) {
            try (ModelFile file = builtIn.open(vocab)) {
                if (!file.metadata().findString("tokenizer.ggml.model").orElse("").equals(factory.model())) {
                    continue;
                }
                var tokenizer = factory.create(file.metadata());
                String where = vocab.getFileName().toString();
                for (Check c : TokenizerContract.checks(tokenizer)) {
                    checks.add(new Check(c.contract(), c.name() + " [" + where + "]", c.body()));
                }
            } catch (KilnException e) {
                notes.add("vocabulary " + vocab + " not used: " + e.getMessage());
            }
        }
        if (checks.isEmpty()) {
            notes.add("no vocabulary with tokenizer.ggml.model = " + factory.model()
                    + " to build a tokenizer from; give one with --vocab FILE");
        }
        return new Checks(checks, notes);
    }
}
