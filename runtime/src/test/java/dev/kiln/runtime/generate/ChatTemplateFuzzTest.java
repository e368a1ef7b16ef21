package dev.kiln.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Jazzer fuzz target for chat templates: any {@code tokenizer.chat_template} text, any
 * {@code --chat-template} name, any EOS text and any conversation (roles too: a server will take
 * them from requests). Choosing a template either works or fails with one
 * {@link ChatTemplateException} of one short line; a template recognised from the model's text is
 * the family {@link ChatTemplate#detect} names; applying it renders each message on its own and
 * in order (so a longer conversation always extends the rendering of a shorter one, which is what
 * {@link Conversation} relies on to keep the KV cache), each turn holding its role and its text
 * (trimmed for Llama 3, as llama.cpp does), and the assistant header comes last.
 *
 * <p>{@code mvn verify} runs it on the committed inputs in
 * {@code src/test/resources/dev/kiln/runtime/generate/ChatTemplateFuzzTestInputs};
 * {@code tools/fuzz-long.sh} fuzzes it.
 */
class ChatTemplateFuzzTest {
    private static final List<String> ROLES = List.of("system", "user", "assistant");
    private static final int MAX_MESSAGE = 1000;
    /** The families that render each message on its own, whatever the others. */
    private static final Set<ChatTemplate.Family> PER_MESSAGE = EnumSet.of(ChatTemplate.Family.CHATML, ChatTemplate.Family.LLAMA3,
            ChatTemplate.Family.ZEPHYR, ChatTemplate.Family.PHI3);

    @FuzzTest(maxDuration = "10m")
    void applyTemplate(FuzzedDataProvider data) {
        String override = data.consumeBoolean() ? data.consumeString(40) : null;
        String eos = data.consumeString(20);
        boolean addAssistant = data.consumeBoolean();
        List<ChatMessage> messages = new ArrayList<>();
        int count = data.consumeInt(0, 6);
        for (int i = 0; i < count; i++) {
            String role = data.consumeBoolean() ? data.pickValue(ROLES) : data.consumeString(16);
            messages.add(new ChatMessage(role, data.consumeString(300)));
        }
        String modelTemplate = data.consumeRemainingAsString();

        ChatTemplate template;
        try {
            template = ChatTemplate.forModel(Optional.of(modelTemplate), eos, override);
        } catch (ChatTemplateException e) {
            String message = e.getMessage();
            assertTrue(message.length() <= MAX_MESSAGE, () -> "message of " + message.length() + " chars");
            assertTrue(message.chars().noneMatch(Character::isISOControl), () -> "control character in: " + message);
            return;
        }
        if (override == null || override.isBlank()) {
            assertEquals(ChatTemplate.detect(modelTemplate), Optional.of(template.family()));
        }

        if (!PER_MESSAGE.contains(template.family())) {
            // Gemma folds the system text into the next user turn and the [INST] forms pair turns up:
            // their rendering still grows with the conversation
            String all = template.apply(messages, addAssistant);
            if (!messages.isEmpty()) {
                assertTrue(all.startsWith(template.apply(messages.subList(0, messages.size() - 1), false)), all);
            }
            return;
        }
        StringBuilder turns = new StringBuilder();
        for (ChatMessage m : messages) {
            String turn = template.apply(List.of(m), false);
            String text = template.family() == ChatTemplate.Family.LLAMA3 ? ChatTemplate.trim(m.content()) : m.content();
            assertTrue(turn.contains(m.role()) && turn.contains(text), () -> "turn " + turn + " lacks " + m);
            turns.append(turn);
        }
        assertEquals(turns.toString(), template.apply(messages, false));
        String header = template.apply(List.of(), true);
        assertEquals(turns + (addAssistant ? header : ""), template.apply(messages, addAssistant));
        assertTrue(header.contains("assistant"), header);
    }
}
