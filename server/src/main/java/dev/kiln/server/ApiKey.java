package dev.kiln.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The key clients must present. Compared in constant time: both sides are hashed first, so
 * neither the content nor the length of the key shows in how long a wrong guess takes.
 */
final class ApiKey {
    private static final String BEARER = "Bearer ";
    private final byte[] digest;

    ApiKey(String key) {
        this.digest = sha256(key);
    }

    /**
     * Whether a request presents the key: as {@code Authorization: Bearer KEY} (OpenAI's clients)
     * or {@code X-Api-Key: KEY} (as llama-server also takes).
     */
    boolean matches(String authorization, String xApiKey) {
        String presented = null;
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            presented = authorization.substring(BEARER.length()).strip();
        } else if (xApiKey != null) {
            presented = xApiKey.strip();
        }
        // hash even when nothing was presented, so that case takes as long as a wrong key
        boolean equal = MessageDigest.isEqual(digest, sha256(presented == null ? "" : presented));
        return presented != null && equal;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
