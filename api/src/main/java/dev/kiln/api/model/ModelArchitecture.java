package dev.kiln.api.model;

import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.quant.QuantTypes;

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
}
