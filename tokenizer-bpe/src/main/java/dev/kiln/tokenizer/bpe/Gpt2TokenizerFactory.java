package dev.kiln.tokenizer.bpe;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataException;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Byte-level BPE for {@code tokenizer.ggml.model = gpt2}, with the pre-tokenizer named by
 * {@code tokenizer.ggml.pre}. Only pre-tokenizers Kiln implements exactly are accepted; any
 * other value is refused with a message naming it and the supported ones, never tokenized
 * some other way.
 */
public final class Gpt2TokenizerFactory implements TokenizerFactory {
    static final String PRE = "tokenizer.ggml.pre";

    /** The pre-tokenizers Kiln implements, with llama.cpp's settings for each. */
    enum Preset {
        /** llama.cpp's fallback when the file names none. */
        DEFAULT(List.of("default"), PreTokenizer.DEFAULT, false, false),
        GPT2(List.of("gpt-2", "phi-2"), List.of(PreTokenizer.GPT2), false, false),
        /** Llama 3: words that are whole tokens skip the merges; BOS is added by default. */
        LLAMA3(List.of("llama-bpe", "llama3", "llama-v3"), List.of(PreTokenizer.LLAMA3), true, true),
        /** The Llama 3 expression with plain merges and no BOS by default. */
        SMAUG(List.of("smaug-bpe", "dbrx"), List.of(PreTokenizer.LLAMA3), false, false),
        /** Qwen2, Qwen2.5, Qwen3 and the DeepSeek-R1 distills of Qwen. */
        QWEN2(List.of("qwen2", "deepseek-r1-qwen"), List.of(PreTokenizer.QWEN2), false, false),
        /** SmolLM and the StarCoder family: digits split one by one, then GPT-2's expression. */
        SMOLLM(List.of("smollm", "starcoder", "refact", "codeshell", "command-r", "exaone", "minerva-7b", "mellum2"),
                PreTokenizer.DIGITS_THEN_GPT2, false, false),
        /** Mistral-Nemo and later Mistral models: words that are whole tokens skip the merges; BOS added. */
        TEKKEN(List.of("tekken"), List.of(PreTokenizer.TEKKEN), true, true);

        final List<String> names;
        final List<String> regexes;
        final boolean ignoreMerges;
        final boolean addBos;

        Preset(List<String> names, List<String> regexes, boolean ignoreMerges, boolean addBos) {
            this.names = names;
            this.regexes = regexes;
            this.ignoreMerges = ignoreMerges;
            this.addBos = addBos;
        }

        static Preset named(String pre) {
            for (Preset preset : values()) {
                if (preset.names.contains(pre)) {
                    return preset;
                }
            }
            String supported = Arrays.stream(values()).flatMap(p -> p.names.stream()).collect(Collectors.joining(", "));
            throw new MetadataException(PRE, "is '" + pre + "', a pre-tokenizer Kiln does not implement (supported: " + supported + ")");
        }
    }

    @Override
    public String model() {
        return "gpt2";
    }

    @Override
    public Tokenizer create(Metadata metadata) {
        ModelKey.require(metadata, model());
        Preset preset = Preset.named(metadata.findString(PRE).orElse("default"));
        // llama.cpp's defaults for BPE vocabularies: BOS = EOS = 11 (if it exists), no UNK, no space prefix
        Vocabulary vocab = Vocabulary.load(metadata, new Vocabulary.Defaults(11, 11, -1, preset.addBos, false, false));
        String[] merges = metadata.getStringArray(ByteLevelBpeTokenizer.MERGES);
        return new ByteLevelBpeTokenizer(vocab, merges, new PreTokenizer(preset.regexes), preset.ignoreMerges);
    }
}
