package dev.kiln.api.tokenizer;

import java.util.OptionalInt;

/** Text ↔ token ids for one vocabulary. Thread-safe. */
public interface Tokenizer {

    /**
     * Token ids of {@code text}.
     *
     * @param addSpecial add BOS/EOS as the vocabulary asks ({@code add_bos_token}, {@code add_eos_token})
     * @param parseSpecial turn the text of control tokens (e.g. {@code <s>}) into their ids;
     *                     otherwise such text is tokenized as plain text
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The bytes token {@code id} stands for when printed (control tokens print nothing). */
    byte[] piece(int id);

    /** The text of {@code ids}, as llama.cpp's detokenizer gives it (e.g. the leading space removed). */
    String decode(int[] ids);

    int vocabularySize();

    /** The text of token {@code id} as stored in the vocabulary. */
    String tokenText(int id);

    /** The id of the token whose text is exactly {@code text}. */
    OptionalInt tokenId(String text);

    /** Beginning-of-sequence id, or -1. */
    int bos();

    /** End-of-sequence id, or -1. */
    int eos();

    /** Whether generation stops at {@code id} (EOS, EOT and the like). */
    boolean isEndOfGeneration(int id);
}
