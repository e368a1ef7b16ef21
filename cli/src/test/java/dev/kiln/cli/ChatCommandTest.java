package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code kiln chat} with stdin piped: one user turn per line. */
class ChatCommandTest {
    private static final String STORIES = GenerateCommandTest.STORIES.toString();

    private static KilnRun chat(String stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            String[] all = new String[args.length + 1];
            all[0] = "chat";
            System.arraycopy(args, 0, all, 1, args.length);
            return KilnRun.of(all);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void a_model_without_a_chat_template_gets_chatml_as_in_llama_cpp() {
        KilnRun run = chat("Hello\n", "-m", STORIES, "--backend", "scalar", "--temp", "0", "-n", "8");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.err().contains("no chat template") && run.err().contains("using chatml")
                && run.err().contains("--chat-template"), run::toString);
        assertTrue(run.err().contains("chat template chatml"), run::toString);
        assertFalse(run.out().isBlank(), run::toString);
    }

    @Test
    void an_unknown_template_name_lists_the_known_ones() {
        KilnRun run = chat("Hello\n", "-m", STORIES, "--chat-template", "vicuna", "--backend", "scalar");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("zephyr, llama3, chatml"), run::toString);
    }

    @Test
    void the_first_reply_is_the_greedy_continuation_of_the_formatted_prompt() {
        KilnRun chat = chat("Hello\nTell me a story\n", "-m", STORIES, "--chat-template", "zephyr", "--temp", "0",
                "-n", "24", "--backend", "scalar");
        assertEquals(0, chat.status(), chat::toString);
        // the same prompt text through generate (which also adds BOS and parses special tokens)
        KilnRun generate = KilnRun.of("generate", "-m", STORIES, "-p", "<|user|>\nHello</s>\n<|assistant|>\n",
                "--temp", "0", "-n", "24", "--stop", "</s>", "--backend", "scalar");
        assertEquals(0, generate.status(), generate::toString);
        assertTrue(chat.out().startsWith(generate.out() + "\n"), chat + "\n" + generate);
        assertTrue(chat.out().length() > generate.out().length() + 1, "a second reply follows: " + chat);
    }

    @Test
    void chat_works_on_a_k_quant_model_with_chatml() {
        KilnRun run = chat("Hi\nAnd again\n", "-m",
                GenerateCommandTest.FIXTURES.resolve("models/tiny-kquant/tiny-kquant-Q4_K_M.gguf").toString(),
                "--chat-template", "chatml", "--temp", "0", "-n", "16", "--system", "You are terse.");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.err().contains("chat template chatml"), run::toString);
        assertFalse(run.err().contains("internal error"), run::toString);
        assertTrue(run.out().chars().filter(c -> c == '\n').count() >= 2, run::toString);
    }
}
