package dev.kiln.runtime.generate;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role {@code system}, {@code user} or {@code assistant}
 * @param content the text of the turn
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role is null");
        Objects.requireNonNull(content, "content is null");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
