package dev.kiln.api.model;

import dev.kiln.api.format.MetadataValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model of one architecture at a real model's dimensions, as a synthetic (random-weight) file
 * lays it out: the architecture's metadata (without {@code general.*} or tokenizer keys), its
 * tensors in file order, and the vocabulary fixture whose tokenizer it copies.
 *
 * @param architecture the {@code general.architecture} value
 * @param preset the shape's name, e.g. {@code tinyllama-1.1b}
 * @param metadata the architecture's keys, in file order
 * @param tensors every tensor, in file order
 * @param vocabulary the file name of the vocab fixture the shape was made for (Kiln's {@code fixtures/vocab})
 */
public record ModelLayout(String architecture, String preset, Map<String, MetadataValue> metadata,
                          List<TensorLayout> tensors, String vocabulary) {

    public ModelLayout {
        Objects.requireNonNull(architecture, "architecture is null");
        Objects.requireNonNull(preset, "preset is null");
        Objects.requireNonNull(vocabulary, "vocabulary is null");
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }
}
