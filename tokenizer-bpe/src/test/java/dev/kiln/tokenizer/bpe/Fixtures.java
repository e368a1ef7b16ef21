package dev.kiln.tokenizer.bpe;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** The repo's fixtures (system property {@code kiln.fixtures}) and tokenizers built from them, once per test run. */
final class Fixtures {
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();
    private static final Map<String, Metadata> METADATA = new ConcurrentHashMap<>();

    private Fixtures() {
    }

    static Path dir() {
        String dir = System.getProperty("kiln.fixtures");
        if (dir == null) {
            throw new IllegalStateException("system property kiln.fixtures is not set");
        }
        return Path.of(dir);
    }

    /** A fixture file by its path relative to the fixtures directory, e.g. {@code vocab/ggml-vocab-gpt-2.gguf}. */
    static Path file(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("fixture missing: " + p);
        }
        return p;
    }

    /** The metadata of a GGUF fixture, read with the GGUF format plugin (a test dependency); read once. */
    static Metadata metadata(String relative) {
        return METADATA.computeIfAbsent(relative, Fixtures::readMetadata);
    }

    private static Metadata readMetadata(String relative) {
        // the test code runs inside this module, which does not itself use ModelFormat
        Fixtures.class.getModule().addUses(ModelFormat.class);
        ModelFormat gguf = ServiceLoader.load(ModelFormat.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("gguf"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no GGUF ModelFormat plugin on the test path"));
        try (ModelFile file = gguf.open(file(relative))) {
            return file.metadata();
        }
    }

    /** The tokenizer for a GGUF fixture, chosen by its {@code tokenizer.ggml.model}; built once and shared. */
    static Tokenizer tokenizer(String relative) {
        return TOKENIZERS.computeIfAbsent(relative, r -> create(metadata(r)));
    }

    /**
     * The tokenizer for a GGUF fixture with {@code tokenizer.ggml.pre} replaced ({@code "(none)"}:
     * removed) and {@code general.name} replaced, where not null; built once and shared.
     */
    static Tokenizer variant(String relative, String pre, String name) {
        if (pre == null && name == null) {
            return tokenizer(relative);
        }
        return TOKENIZERS.computeIfAbsent(relative + "|" + pre + "|" + name, k -> {
            Map<String, MetadataValue> entries = new LinkedHashMap<>(metadata(relative).asMap());
            if ("(none)".equals(pre)) {
                entries.remove(Gpt2TokenizerFactory.PRE);
            } else if (pre != null) {
                entries.put(Gpt2TokenizerFactory.PRE, MetadataValue.ofString(pre));
            }
            if (name != null) {
                entries.put(StripRules.NAME, MetadataValue.ofString(name));
            }
            return create(new Metadata(entries));
        });
    }

    private static Tokenizer create(Metadata md) {
        String model = md.getString("tokenizer.ggml.model");
        TokenizerFactory factory = switch (model) {
            case "llama" -> new LlamaTokenizerFactory();
            case "gpt2" -> new Gpt2TokenizerFactory();
            default -> throw new IllegalStateException("unexpected tokenizer model " + model);
        };
        return factory.create(md);
    }
}
