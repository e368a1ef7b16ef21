package dev.kiln.runtime.generate;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Formats a conversation into the prompt text a chat model was trained on. Kiln does not run
 * Jinja: like llama.cpp's {@code llama_chat_apply_template}, it recognises the common template
 * families from the {@code tokenizer.chat_template} text and writes their format directly.
 *
 * <ul>
 *   <li>{@code chatml}: {@code <|im_start|>ROLE\nTEXT<|im_end|>\n}, then {@code <|im_start|>assistant\n}
 *       (byte for byte llama.cpp's output).</li>
 *   <li>{@code llama3}: {@code <|start_header_id|>ROLE<|end_header_id|>\n\nTRIMMED TEXT<|eot_id|>},
 *       then {@code <|start_header_id|>assistant<|end_header_id|>\n\n} (llama.cpp's output; BOS
 *       comes from the tokenizer, not the text).</li>
 *   <li>{@code zephyr} (Zephyr, TinyLlama-Chat): {@code <|ROLE|>\nTEXT} + EOS text + {@code \n}, then
 *       {@code <|assistant|>\n}. This is what the Jinja template renders; with an EOS of
 *       {@code <|endoftext|>} it is also exactly llama.cpp's built-in {@code zephyr}, which
 *       hard-codes that token (wrong for TinyLlama, whose EOS is {@code </s>}).</li>
 * </ul>
 */
public final class ChatTemplate {

    /** The template families Kiln can write. */
    public enum Family {
        ZEPHYR("zephyr"), LLAMA3("llama3"), CHATML("chatml");

        private final String id;

        Family(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    private final Family family;
    private final String eosText;

    private ChatTemplate(Family family, String eosText) {
        this.family = Objects.requireNonNull(family, "family is null");
        this.eosText = Objects.requireNonNull(eosText, "eosText is null");
    }

    /** The names {@code --chat-template} accepts. */
    public static String names() {
        return Arrays.stream(Family.values()).map(Family::id).collect(Collectors.joining(", "));
    }

    /**
     * The template named {@code name} ({@code zephyr}, {@code llama3} or {@code chatml}).
     *
     * @param eosText the vocabulary's end-of-sequence token text (Zephyr ends turns with it)
     * @throws ChatTemplateException for any other name
     */
    public static ChatTemplate named(String name, String eosText) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Family f : Family.values()) {
            if (f.id.equals(n)) {
                return new ChatTemplate(f, eosText);
            }
        }
        throw new ChatTemplateException("unknown chat template '" + name + "'; known: " + names());
    }

    /**
     * The family of a Jinja {@code tokenizer.chat_template} (or a family name), recognised by the
     * markers it contains, as llama.cpp's {@code llm_chat_detect_template} does.
     */
    public static Optional<Family> detect(String template) {
        for (Family f : Family.values()) {
            if (f.id.equals(template.trim())) {
                return Optional.of(f);
            }
        }
        if (template.contains("<|im_start|>")) {
            // Phi-4 (<|im_sep|>) and SmolVLM (<end_of_utterance>) use the marker but are not ChatML
            return template.contains("<|im_sep|>") || template.contains("<end_of_utterance>")
                    ? Optional.empty() : Optional.of(Family.CHATML);
        }
        if (template.contains("<|start_header_id|>") && template.contains("<|end_header_id|>")) {
            return Optional.of(Family.LLAMA3);
        }
        if (template.contains("<|user|>") && template.contains("<|assistant|>") && !template.contains("<|end|>")
                && (template.contains("eos_token") || template.contains("<|endoftext|>"))) {
            return Optional.of(Family.ZEPHYR);
        }
        return Optional.empty();
    }

    /**
     * The template for a model: {@code override} when given, else the one recognised in the
     * model's {@code tokenizer.chat_template}.
     *
     * @throws ChatTemplateException if there is no override and the model has no template or
     *         one Kiln does not recognise
     */
    public static ChatTemplate forModel(Optional<String> modelTemplate, String eosText, String override) {
        if (override != null && !override.isBlank()) {
            return named(override, eosText);
        }
        if (modelTemplate.isEmpty() || modelTemplate.get().isBlank()) {
            throw new ChatTemplateException("the model has no chat template (tokenizer.chat_template); "
                    + "choose one with --chat-template " + String.join("|", names().split(", ")));
        }
        String t = modelTemplate.get();
        return detect(t).map(f -> new ChatTemplate(f, eosText)).orElseThrow(() -> new ChatTemplateException(
                "the model's chat template is not one Kiln recognises (" + excerpt(t) + "); choose one with --chat-template "
                        + String.join("|", names().split(", "))));
    }

    public Family family() {
        return family;
    }

    public String name() {
        return family.id;
    }

    /** The text that ends a turn; generation in a chat stops when it appears. */
    public String endOfTurn() {
        return switch (family) {
            case ZEPHYR -> eosText;
            case LLAMA3 -> "<|eot_id|>";
            case CHATML -> "<|im_end|>";
        };
    }

    /** The prompt text of {@code messages}; with {@code addAssistant} it ends with the assistant's turn header. */
    public String apply(List<ChatMessage> messages, boolean addAssistant) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            switch (family) {
                case CHATML -> sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                case LLAMA3 -> sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                        .append(trim(m.content())).append("<|eot_id|>");
                case ZEPHYR -> sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append(eosText).append('\n');
            }
        }
        if (addAssistant) {
            sb.append(switch (family) {
                case CHATML -> "<|im_start|>assistant\n";
                case LLAMA3 -> "<|start_header_id|>assistant<|end_header_id|>\n\n";
                case ZEPHYR -> "<|assistant|>\n";
            });
        }
        return sb.toString();
    }

    /** llama.cpp's trim: ASCII whitespace (C {@code isspace}) at both ends. */
    static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    private static String excerpt(String t) {
        String one = t.replaceAll("\\s+", " ").strip();
        return one.length() > 60 ? one.substring(0, 60) + "…" : one;
    }

    @Override
    public String toString() {
        return family.id;
    }
}
