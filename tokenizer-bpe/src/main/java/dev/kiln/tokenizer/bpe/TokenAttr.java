package dev.kiln.tokenizer.bpe;

/**
 * Token attribute bits, derived from GGUF's {@code tokenizer.ggml.token_type} the way llama.cpp
 * derives its {@code llama_token_attr}: a token may gain CONTROL or UNUSED from its text.
 */
final class TokenAttr {
    static final int UNDEFINED = 0;
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;
    /** Whitespace before the token's text is dropped when special text is split out. */
    static final int LSTRIP = 1 << 7;
    /** Whitespace after the token's text is dropped when special text is split out. */
    static final int RSTRIP = 1 << 8;

    private TokenAttr() {
    }

    /** Whether {@code type} is one of GGUF's token types, 0 (undefined) to 6 (byte). */
    static boolean isTokenType(long type) {
        return type >= 0 && type <= 6;
    }

    /** The attribute for a GGUF token type (1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte). */
    static int fromTokenType(long type) {
        if (!isTokenType(type)) {
            return UNDEFINED;
        }
        return switch ((int) type) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> UNDEFINED;
        };
    }
}
