package dev.kiln.toolkit.decoder;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.model.ModelLayout;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.toolkit.decoder.DecoderTensors.Block;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A decoder-only architecture on the shared skeleton: a plugin says which block tensors its files
 * have, what its {@link DecoderConfig} is (from the hyper-parameters and any keys of its own) and
 * which real shapes it can lay out; loading, checking, the forward pass, batched decoding and
 * synthetic layouts come from here.
 */
public abstract class DecoderArchitecture implements ModelArchitecture {

    private final ArchitectureKeys keys;

    protected DecoderArchitecture(String architecture) {
        this.keys = new ArchitectureKeys(architecture);
    }

    @Override
    public final String name() {
        return keys.architecture();
    }

    /** The architecture's metadata keys. */
    protected final ArchitectureKeys keys() {
        return keys;
    }

    /** The tensors every block of a file has. */
    protected abstract Set<Block> blockTensors();

    /** Block tensors a file may have (read when present); none by default. */
    protected Set<Block> optionalBlockTensors() {
        return Set.of();
    }

    /**
     * What this architecture computes for a file with these hyper-parameters; {@code metadata}
     * reads (and refuses bad values of) the architecture's own keys.
     */
    protected abstract DecoderConfig config(HyperParameters hp, MetadataReader metadata);

    /** The real shapes {@code kiln synth} can lay out; none by default. */
    protected List<DecoderShape> shapes() {
        return List.of();
    }

    /** The architecture's own keys in a synthetic file of these dimensions (after the standard ones); none by default. */
    protected Map<String, MetadataValue> shapeMetadata(HyperParameters hp) {
        return Map.of();
    }

    @Override
    public Model load(ModelFile file, Compute compute, QuantTypes types) {
        HyperParameters hp = HyperParameters.read(file, keys);
        DecoderConfig config = config(hp, new MetadataReader(file));
        DecoderWeights weights = DecoderWeights.bind(file, hp, types, blockTensors(), optionalBlockTensors());
        return new DecoderModel(config, weights, compute);
    }

    @Override
    public List<String> presets() {
        return shapes().stream().map(DecoderShape::id).toList();
    }

    @Override
    public ModelLayout layout(String preset, int vocabularySize) {
        DecoderShape shape = shapes().stream().filter(s -> s.id().equalsIgnoreCase(preset.trim())).findFirst()
                .orElseThrow(() -> new KilnException("unknown " + name() + " shape '" + preset + "'; known: "
                        + shapes().stream().map(DecoderShape::id).collect(Collectors.joining(", "))));
        HyperParameters hp = shape.dimensions().withVocabularySize(vocabularySize);
        return DecoderLayout.of(keys, shape.id(), hp, blockTensors(), shape.tied(), shape.vocabulary(), shapeMetadata(hp));
    }
}
