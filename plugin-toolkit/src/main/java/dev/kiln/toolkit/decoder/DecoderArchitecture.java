package dev.kiln.toolkit.decoder;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.model.TensorLayout;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A decoder-only architecture on the shared skeleton: a plugin says which block tensors its files
 * have, what its {@link DecoderConfig} is (from the hyper-parameters and any keys of its own) and
 * which real shapes it can lay out; loading, checking, the forward pass, batched decoding and
 * synthetic layouts come from here. A plugin is a subclass with a public no-argument constructor
 * (for {@link java.util.ServiceLoader}) that passes these to {@link #DecoderArchitecture}.
 */
public abstract class DecoderArchitecture implements ModelArchitecture {

    /** What the decoder computes for a file: from its hyper-parameters and the architecture's own keys. */
    @FunctionalInterface
    public interface Configurator {
        /**
         * @param metadata reads (and refuses bad values of, naming the key) the architecture's own keys
         */
        DecoderConfig configure(HyperParameters hp, MetadataReader metadata);
    }

    private final ArchitectureKeys keys;
    private final Set<Block> blockTensors;
    private final Configurator configurator;
    private final List<DecoderShape> shapes;

    /**
     * @param architecture the {@code general.architecture} value
     * @param blockTensors the tensors every block of a file has
     * @param configurator what the decoder computes for a file
     * @param shapes the real shapes {@code kiln synth} can lay out (none is fine)
     */
    protected DecoderArchitecture(String architecture, Set<Block> blockTensors, Configurator configurator,
                                  List<DecoderShape> shapes) {
        this.keys = new ArchitectureKeys(architecture);
        this.blockTensors = Set.copyOf(blockTensors);
        this.configurator = configurator;
        this.shapes = List.copyOf(shapes);
    }

    @Override
    public final String name() {
        return keys.architecture();
    }

    /** The architecture's metadata keys. */
    protected final ArchitectureKeys keys() {
        return keys;
    }

    /** Block tensors a file may have (read when present); none by default. */
    protected Set<Block> optionalBlockTensors() {
        return Set.of();
    }

    /**
     * Whether the output head is always the token embedding, an {@code output.weight} in the file
     * ignored (llama.cpp's Gemma 2); false by default: tied only when the file has none.
     */
    protected boolean alwaysTied() {
        return false;
    }

    /** The architecture's own keys in a synthetic file of these dimensions (after the standard ones); none by default. */
    protected Map<String, MetadataValue> shapeMetadata(HyperParameters hp) {
        return Map.of();
    }

    /** Tensors outside the blocks a synthetic file of these dimensions has besides the standard ones; none by default. */
    protected List<TensorLayout> shapeTensors(HyperParameters hp) {
        return List.of();
    }

    /**
     * The tensors every block of {@code file} has: by default those given to the constructor; an
     * architecture whose files come in more than one form (fused or separate q/k/v) picks here.
     */
    protected Set<Block> blockTensors(ModelFile file) {
        return blockTensors;
    }

    @Override
    public Model load(ModelFile file, Compute compute, QuantTypes types) {
        HyperParameters hp = HyperParameters.read(file, keys);
        DecoderConfig config = configurator.configure(hp, new MetadataReader(file));
        DecoderWeights weights = DecoderWeights.bind(file, hp, types, blockTensors(file), optionalBlockTensors(), alwaysTied());
        return new DecoderModel(config, weights, compute);
    }

    @Override
    public List<String> presets() {
        return shapes.stream().map(DecoderShape::id).toList();
    }

    @Override
    public ModelLayout layout(String preset, int vocabularySize) {
        DecoderShape shape = shapes.stream().filter(s -> s.id().equalsIgnoreCase(preset.trim())).findFirst()
                .orElseThrow(() -> new KilnException("unknown " + name() + " shape '" + preset + "'; known: "
                        + shapes.stream().map(DecoderShape::id).collect(Collectors.joining(", "))));
        HyperParameters hp = shape.dimensions().withVocabularySize(vocabularySize);
        Map<String, MetadataValue> extra = new LinkedHashMap<>(shapeMetadata(hp));
        extra.putAll(shape.metadata());
        return DecoderLayout.of(keys, shape.id(), hp, blockTensors, shape.tied(), shape.vocabulary(), extra, shapeTensors(hp));
    }
}
