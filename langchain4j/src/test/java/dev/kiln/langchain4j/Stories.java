package dev.kiln.langchain4j;

import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import java.nio.file.Path;
import java.util.List;

/** The embedded stories260K model the tests run on, and Kiln's own replies to compare with. */
final class Stories {
    static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    static final Path MODEL = FIXTURES.resolve("models/stories260K.gguf");

    private Stories() {
    }

    static KilnModel load() {
        return Kiln.load(MODEL, ModelOptions.defaults().withThreads(2));
    }

    /** KilnModel.chat's greedy reply: what the adapters must reproduce at temperature 0. */
    static Completion greedyChat(KilnModel model, int maxTokens, ChatMessage... messages) {
        return model.chat(List.of(messages), GenerateParams.greedy(maxTokens), text -> { });
    }
}
