package dev.kiln.api.quant;

import dev.kiln.api.GgmlType;
import dev.kiln.api.KilnException;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The quant-type plugins available in one run, by ggml type. */
public final class QuantTypes {
    private final Map<GgmlType, QuantType> byType = new EnumMap<>(GgmlType.class);

    public QuantTypes(Collection<? extends QuantType> types) {
        for (QuantType t : types) {
            QuantType previous = byType.putIfAbsent(t.ggmlType(), t);
            if (previous != null && previous.getClass() != t.getClass()) {
                throw new KilnException("two plugins implement " + t.name() + ": "
                        + previous.getClass().getName() + " and " + t.getClass().getName());
            }
        }
    }

    public Optional<QuantType> find(GgmlType type) {
        return Optional.ofNullable(byType.get(type));
    }

    /** The plugin for {@code type}; {@code what} (e.g. a tensor name) is named in the error. */
    public QuantType require(GgmlType type, String what) {
        QuantType t = byType.get(type);
        if (t == null) {
            throw new KilnException(what + ": no plugin implements type " + type + " (available: " + names() + ")");
        }
        return t;
    }

    public List<QuantType> all() {
        return List.copyOf(byType.values());
    }

    private String names() {
        return byType.keySet().stream().map(Enum::name).collect(Collectors.joining(", "));
    }
}
