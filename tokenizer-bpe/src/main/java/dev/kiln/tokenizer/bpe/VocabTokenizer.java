package dev.kiln.tokenizer.bpe;

import dev.kiln.api.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What both BPE flavours share: splitting special-token text out of the input (llama.cpp's
 * {@code tokenizer_st_partition}), BOS/EOS insertion, pieces and decoding. Subclasses turn one
 * plain-text fragment into ids. Immutable, so thread-safe; every encode call has its own state.
 */
abstract sealed class VocabTokenizer implements Tokenizer permits SpmTokenizer, ByteLevelBpeTokenizer {

    final Vocabulary vocab;

    VocabTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
    }

    /**
     * Appends the ids of one fragment of plain text.
     *
     * @param afterSpecial whether the fragment starts the input or follows a special token
     */
    abstract void encodeText(String text, boolean afterSpecial, TokenBuffer out);

    /** The bytes a NORMAL token prints. */
    abstract byte[] normalPiece(String tokenText);

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text is null");
        TokenBuffer out = new TokenBuffer(text.length() / 3 + 4);
        if (addSpecial && vocab.addBos) {
            out.add(vocab.bos);
        }
        boolean afterSpecial = true;
        for (Fragment fragment : partition(text, parseSpecial)) {
            if (fragment.token >= 0) {
                out.add(fragment.token);
                afterSpecial = true;
            } else {
                encodeText(text.substring(fragment.start, fragment.end), afterSpecial, out);
                afterSpecial = false;
            }
        }
        if (addSpecial && vocab.addEos) {
            out.add(vocab.eos);
        }
        return out.toArray();
    }

    /** A special token ({@code token >= 0}) or the plain text {@code [start, end)}. */
    private record Fragment(int token, int start, int end) {
    }

    /**
     * Splits special-token text out of {@code text}, longest special token first. Control and
     * unknown tokens only when {@code parseSpecial}; user-defined tokens always (as llama.cpp and
     * Hugging Face do). A token with LSTRIP (RSTRIP) takes the ASCII whitespace before (after)
     * it within its fragment along.
     */
    private List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(-1, 0, text.length()));
        for (int special : vocab.specialTokens) {
            int attr = vocab.attrs[special];
            if (!parseSpecial && (attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0) {
                continue;
            }
            String needle = vocab.texts[special];
            if (!text.contains(needle)) {
                continue;
            }
            boolean lstrip = (attr & TokenAttr.LSTRIP) != 0;
            boolean rstrip = (attr & TokenAttr.RSTRIP) != 0;
            List<Fragment> next = new ArrayList<>(fragments.size() + 2);
            for (Fragment fragment : fragments) {
                if (fragment.token >= 0) {
                    next.add(fragment);
                    continue;
                }
                int from = fragment.start;
                while (true) {
                    int match = text.indexOf(needle, from);
                    if (match < 0 || match + needle.length() > fragment.end) {
                        break;
                    }
                    int leftEnd = match;
                    while (lstrip && leftEnd > from && isAsciiSpace(text.charAt(leftEnd - 1))) {
                        leftEnd--;
                    }
                    if (leftEnd > from) {
                        next.add(new Fragment(-1, from, leftEnd));
                    }
                    next.add(new Fragment(special, match, match + needle.length()));
                    from = match + needle.length();
                    while (rstrip && from < fragment.end && isAsciiSpace(text.charAt(from))) {
                        from++;
                    }
                }
                if (from < fragment.end) {
                    next.add(new Fragment(-1, from, fragment.end));
                }
            }
            fragments = next;
        }
        return fragments;
    }

    /** C's {@code isspace} in the "C" locale, which llama.cpp's strip uses. */
    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    @Override
    public byte[] piece(int id) {
        vocab.checkId(id);
        int attr = vocab.attrs[id];
        String text = vocab.texts[id];
        if ((attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0) {
            return new byte[0];
        }
        if ((attr & TokenAttr.USER_DEFINED) != 0) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if ((attr & TokenAttr.NORMAL) != 0) {
            return normalPiece(text);
        }
        if ((attr & TokenAttr.BYTE) != 0) {
            int value = byteValue(text);
            return value < 0 ? new byte[0] : new byte[] {(byte) value};
        }
        return new byte[0]; // unused and undefined tokens print nothing, as in llama.cpp
    }

    /** The byte of a {@code <0xNN>} token, or -1 if the text is not of that form. */
    static int byteValue(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(text.charAt(3), 16);
        int lo = Character.digit(text.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /**
     * The pieces of {@code ids} joined. When encoding prefixes a space (SentencePiece's
     * {@code add_space_prefix}), one leading space is removed from the first token after an
     * optional BOS, so that {@code decode(encode(s)) == s}.
     */
    @Override
    public String decode(int[] ids) {
        Objects.requireNonNull(ids, "ids is null");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        int stripAt = -1;
        if (stripsPrefixSpace() && ids.length > 0) {
            stripAt = ids[0] == vocab.bos ? 1 : 0;
        }
        for (int i = 0; i < ids.length; i++) {
            byte[] piece = piece(ids[i]);
            int skip = i == stripAt && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            bytes.write(piece, skip, piece.length - skip);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Whether encoding puts a space before the text that decoding must take away again. */
    abstract boolean stripsPrefixSpace();

    @Override
    public int vocabularySize() {
        return vocab.size();
    }

    @Override
    public String tokenText(int id) {
        vocab.checkId(id);
        return vocab.texts[id];
    }

    @Override
    public OptionalInt tokenId(String text) {
        int id = vocab.idOf(text);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public int bos() {
        return vocab.bos;
    }

    @Override
    public int eos() {
        return vocab.eos;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return vocab.isValid(id) && vocab.endOfGeneration.get(id);
    }
}
