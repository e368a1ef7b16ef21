package dev.kiln.runtime.generate;

import dev.kiln.api.KilnException;

/** The model's chat template is missing or not one Kiln recognises, or an unknown name was given. */
public final class ChatTemplateException extends KilnException {
    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }
}
