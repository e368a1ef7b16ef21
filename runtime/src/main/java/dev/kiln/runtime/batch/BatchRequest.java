package dev.kiln.runtime.batch;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.generate.GenerateParams;
import java.util.Objects;

/**
 * One generation for a {@link BatchScheduler}: a tokenized prompt (see
 * {@link dev.kiln.runtime.KilnModel#tokenize(String)} and {@link dev.kiln.runtime.KilnModel#chatPrompt})
 * and how to continue it.
 */
public record BatchRequest(int[] prompt, GenerateParams params) {

    public BatchRequest {
        Objects.requireNonNull(prompt, "prompt is null");
        Objects.requireNonNull(params, "params is null");
        if (prompt.length == 0) {
            throw new KilnException("the prompt is empty (no tokens to start from)");
        }
        prompt = prompt.clone();
    }
}
