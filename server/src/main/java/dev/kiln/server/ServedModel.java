package dev.kiln.server;

import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.batch.BatchOptions;
import dev.kiln.runtime.batch.BatchScheduler;
import dev.kiln.runtime.generate.ChatTemplate;
import dev.kiln.runtime.generate.ChatTemplateException;
import java.time.Instant;

/**
 * The model a server serves and the scheduler that batches its requests. The chat template is
 * settled once: a {@code --chat-template} name that is unknown fails the start; a model template
 * Kiln does not recognise only makes chat requests fail (text completions still work).
 */
final class ServedModel {
    final KilnModel model;
    final BatchScheduler scheduler;
    final String id;
    final long created;
    /** OpenAI's {@code system_fingerprint}: what runs the model. */
    final String fingerprint;
    /** The chat template, or null when {@link #templateProblem} says why there is none. */
    final ChatTemplate template;
    final String templateProblem;

    ServedModel(KilnModel model, BatchOptions batch) {
        ChatTemplate t = null;
        String problem = null;
        try {
            t = model.chatTemplate();
        } catch (ChatTemplateException e) {
            if (model.options().chatTemplate() != null && !model.options().chatTemplate().isBlank()) {
                throw e; // the operator's --chat-template is wrong: do not start
            }
            problem = e.getMessage();
        }
        this.template = t;
        this.templateProblem = problem;
        this.model = model;
        this.id = model.id();
        this.created = Instant.now().getEpochSecond();
        this.fingerprint = "kiln-" + model.backendName();
        this.scheduler = new BatchScheduler(model, batch);
    }
}
