package dev.kiln.api.model;

import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.quant.QuantTypes;
import java.util.List;

/** A model architecture plugin, keyed by the file's {@code general.architecture}. */
public interface ModelArchitecture {

    /** The {@code general.architecture} value this plugin runs, e.g. {@code llama}. */
    String name();

    /**
     * Builds a runnable model over {@code file}'s tensors (zero-copy) running on {@code compute}.
     * Checks every tensor's presence and shape against the hyper-parameters and names the
     * first mismatch in a {@link dev.kiln.api.KilnException}.
     */
    Model load(ModelFile file, Compute compute, QuantTypes types);

    /** The real-model shapes {@link #layout} can lay out (e.g. {@code tinyllama-1.1b}); none by default. */
    default List<String> presets() {
        return List.of();
    }

    /**
     * The metadata and tensors of a model of this architecture at shape {@code preset}, with a
     * vocabulary of {@code vocabularySize} tokens, for synthetic benchmark and test files.
     *
     * @throws dev.kiln.api.KilnException if {@code preset} is not one of {@link #presets()}
     */
    default ModelLayout layout(String preset, int vocabularySize) {
        throw new dev.kiln.api.KilnException("the " + name() + " architecture has no synthetic shapes");
    }
}
