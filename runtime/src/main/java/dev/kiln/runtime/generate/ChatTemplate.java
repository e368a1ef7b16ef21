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
 *   <li>{@code phi3} (Phi-3, Phi-3.5): {@code <|ROLE|>\nTEXT<|end|>\n}, then {@code <|assistant|>\n}.</li>
 *   <li>{@code gemma} (Gemma 1/2/3): {@code <start_of_turn>ROLE\nTRIMMED TEXT<end_of_turn>\n} with the
 *       assistant's role written {@code model} and system text (trimmed) folded into the next user
 *       turn followed by a blank line, then {@code <start_of_turn>model\n}.</li>
 *   <li>{@code llama2}, {@code llama2-sys}, {@code llama2-sys-bos}, {@code llama2-sys-strip}
 *       (Llama 2 chat, Mistral 7B Instruct v0.1/v0.2) and {@code mistral-v1}, {@code mistral-v3},
 *       {@code mistral-v3-tekken} (Mistral-Nemo), {@code mistral-v7}, {@code mistral-v7-tekken}:
 *       the {@code [INST]} forms, told apart by the markers llama.cpp looks for; they have no
 *       assistant header (a user turn ends with {@code [/INST]}) and end a reply with {@code </s>}.</li>
 * </ul>
 * Every format is byte for byte llama.cpp's (ChatTemplateTest checks them against its output).
 */
public final class ChatTemplate {

    /** The template families Kiln can write. */
    public enum Family {
        ZEPHYR("zephyr"), LLAMA3("llama3"), CHATML("chatml"), PHI3("phi3"), GEMMA("gemma"),
        LLAMA2("llama2"), LLAMA2_SYS("llama2-sys"), LLAMA2_SYS_BOS("llama2-sys-bos"), LLAMA2_SYS_STRIP("llama2-sys-strip"),
        MISTRAL_V1("mistral-v1"), MISTRAL_V3("mistral-v3"), MISTRAL_V3_TEKKEN("mistral-v3-tekken"),
        MISTRAL_V7("mistral-v7"), MISTRAL_V7_TEKKEN("mistral-v7-tekken");

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
     * The template named {@code name} (one of {@link #names()}).
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
        if (template.startsWith("mistral") || template.contains("[INST]")) {
            return Optional.of(instFamily(template));
        }
        if (template.contains("<|assistant|>") && template.contains("<|end|>")) {
            return Optional.of(Family.PHI3);
        }
        if (template.contains("<|start_header_id|>") && template.contains("<|end_header_id|>")) {
            return Optional.of(Family.LLAMA3);
        }
        if (template.contains("<|user|>") && template.contains("<|assistant|>")
                && (template.contains("eos_token") || template.contains("<|endoftext|>"))) {
            return Optional.of(Family.ZEPHYR);
        }
        if (template.contains("<start_of_turn>")) {
            return Optional.of(Family.GEMMA);
        }
        return Optional.empty();
    }

    /** Which {@code [INST]} form a template is, by llama.cpp's markers. */
    private static Family instFamily(String t) {
        if (t.contains("[SYSTEM_PROMPT]")) {
            return Family.MISTRAL_V7;
        }
        if (t.contains("' [INST] ' + system_message") || t.contains("[AVAILABLE_TOOLS]")) {
            // Mistral's official v1, v3 and v3-tekken templates
            return t.contains(" [INST]") ? Family.MISTRAL_V1 : t.contains("\"[INST]\"") ? Family.MISTRAL_V3_TEKKEN : Family.MISTRAL_V3;
        }
        if (t.contains("content.strip()")) {
            return Family.LLAMA2_SYS_STRIP;
        }
        if (t.contains("bos_token + '[INST]")) {
            return Family.LLAMA2_SYS_BOS;
        }
        return t.contains("<<SYS>>") ? Family.LLAMA2_SYS : Family.LLAMA2;
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
            case PHI3 -> "<|end|>";
            case GEMMA -> "<end_of_turn>";
            case LLAMA2, LLAMA2_SYS, LLAMA2_SYS_BOS, LLAMA2_SYS_STRIP, MISTRAL_V1, MISTRAL_V3, MISTRAL_V3_TEKKEN, MISTRAL_V7,
                 MISTRAL_V7_TEKKEN -> "</s>";
        };
    }

    /** The prompt text of {@code messages}; with {@code addAssistant} it ends with the assistant's turn header (if the format has one). */
    public String apply(List<ChatMessage> messages, boolean addAssistant) {
        return switch (family) {
            case GEMMA -> gemma(messages, addAssistant);
            case LLAMA2, LLAMA2_SYS, LLAMA2_SYS_BOS, LLAMA2_SYS_STRIP -> llama2(messages);
            case MISTRAL_V1, MISTRAL_V3, MISTRAL_V3_TEKKEN -> mistral(messages);
            case MISTRAL_V7, MISTRAL_V7_TEKKEN -> mistralV7(messages);
            default -> perMessage(messages, addAssistant);
        };
    }

    /** The formats that write each message on its own. */
    private String perMessage(List<ChatMessage> messages, boolean addAssistant) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            switch (family) {
                case CHATML -> sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                case LLAMA3 -> sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                        .append(trim(m.content())).append("<|eot_id|>");
                case ZEPHYR -> sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append(eosText).append('\n');
                case PHI3 -> sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
                default -> throw new IllegalStateException(family.id);
            }
        }
        if (addAssistant) {
            sb.append(switch (family) {
                case CHATML -> "<|im_start|>assistant\n";
                case LLAMA3 -> "<|start_header_id|>assistant<|end_header_id|>\n\n";
                case ZEPHYR, PHI3 -> "<|assistant|>\n";
                default -> throw new IllegalStateException(family.id);
            });
        }
        return sb.toString();
    }

    /** Gemma has no system role: its text goes, trimmed, before the next user turn's. */
    private static String gemma(List<ChatMessage> messages, boolean addAssistant) {
        StringBuilder sb = new StringBuilder();
        StringBuilder system = new StringBuilder();
        for (ChatMessage m : messages) {
            if (m.role().equals("system")) {
                system.append(trim(m.content()));
                continue;
            }
            String role = m.role().equals("assistant") ? "model" : m.role();
            sb.append("<start_of_turn>").append(role).append('\n');
            if (!system.isEmpty() && !role.equals("model")) {
                sb.append(system).append("\n\n");
                system.setLength(0);
            }
            sb.append(trim(m.content())).append("<end_of_turn>\n");
        }
        if (addAssistant) {
            sb.append("<start_of_turn>model\n");
        }
        return sb.toString();
    }

    /** Llama 2's {@code [INST]} form and its variants, as llama.cpp writes them. */
    private String llama2(List<ChatMessage> messages) {
        boolean systemTags = family != Family.LLAMA2;
        boolean strip = family == Family.LLAMA2_SYS_STRIP;
        StringBuilder sb = new StringBuilder("[INST] ");
        boolean insideTurn = true;
        for (ChatMessage m : messages) {
            String content = strip ? trim(m.content()) : m.content();
            if (!insideTurn) {
                insideTurn = true;
                sb.append(family == Family.LLAMA2_SYS_BOS ? "<s>[INST] " : "[INST] ");
            }
            switch (m.role()) {
                case "system" -> sb.append(systemTags ? "<<SYS>>\n" + content + "\n<</SYS>>\n\n" : content + "\n");
                case "user" -> sb.append(content).append(" [/INST]");
                default -> {
                    sb.append(content).append("</s>");
                    insideTurn = false;
                }
            }
        }
        return sb.toString();
    }

    /** Mistral's v1, v3 and v3-tekken forms: the system text opens the next {@code [INST]} turn. */
    private String mistral(List<ChatMessage> messages) {
        String leading = family == Family.MISTRAL_V1 ? " " : "";
        String trailing = family == Family.MISTRAL_V3_TEKKEN ? "" : " ";
        StringBuilder sb = new StringBuilder();
        boolean insideTurn = false;
        for (ChatMessage m : messages) {
            if (!insideTurn) {
                sb.append(leading).append("[INST]").append(trailing);
                insideTurn = true;
            }
            switch (m.role()) {
                case "system" -> sb.append(m.content()).append("\n\n");
                case "user" -> sb.append(m.content()).append(leading).append("[/INST]");
                default -> {
                    sb.append(trailing).append(family == Family.MISTRAL_V3 ? trim(m.content()) : m.content()).append("</s>");
                    insideTurn = false;
                }
            }
        }
        return sb.toString();
    }

    /** Mistral's v7 forms, with a system-prompt block of their own. */
    private String mistralV7(List<ChatMessage> messages) {
        String space = family == Family.MISTRAL_V7 ? " " : "";
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system" -> sb.append("[SYSTEM_PROMPT]").append(space).append(m.content()).append("[/SYSTEM_PROMPT]");
                case "user" -> sb.append("[INST]").append(space).append(m.content()).append("[/INST]");
                default -> sb.append(space).append(m.content()).append("</s>");
            }
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
