package dev.kiln.langchain4j;

import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Tests on the embedded stories260K model, loaded once per test class, and Kiln's own replies to compare with. */
abstract class OnStories {
    static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    static final Path MODEL = FIXTURES.resolve("models/stories260K.gguf");

    static KilnModel kiln;

    @BeforeAll
    static void load() {
        kiln = Kiln.load(MODEL, ModelOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        kiln.close();
    }

    /** KilnModel.chat's greedy reply: what the adapters must reproduce at temperature 0. */
    static Completion greedyChat(int maxTokens, ChatMessage... messages) {
        return kiln.chat(List.of(messages), GenerateParams.greedy(maxTokens), text -> { });
    }
}
