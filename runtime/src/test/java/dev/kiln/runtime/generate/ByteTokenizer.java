package dev.kiln.runtime.generate;

import dev.kiln.api.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/** A test vocabulary: ids 0-255 are single bytes, then EOS {@code </s>} and BOS {@code <s>} (control tokens). */
final class ByteTokenizer implements Tokenizer {
    static final int EOS = 256;
    static final int BOS = 257;

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        ByteArrayOutputStream ids = new ByteArrayOutputStream();
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (addSpecial) {
            out.add(BOS);
        }
        String rest = text;
        while (!rest.isEmpty()) {
            if (parseSpecial && rest.startsWith("</s>")) {
                out.add(EOS);
                rest = rest.substring(4);
                continue;
            }
            int cp = rest.codePointAt(0);
            for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                out.add(b & 0xFF);
            }
            rest = rest.substring(Character.charCount(cp));
        }
        ids.reset();
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Ids of the UTF-8 bytes of {@code s}. */
    static int[] bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            ids[i] = b[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public byte[] piece(int id) {
        return id < 256 ? new byte[] {(byte) id} : new byte[0];
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(piece(id));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabularySize() {
        return 258;
    }

    @Override
    public String tokenText(int id) {
        return id == EOS ? "</s>" : id == BOS ? "<s>" : String.valueOf((char) id);
    }

    @Override
    public OptionalInt tokenId(String text) {
        return OptionalInt.empty();
    }

    @Override
    public int bos() {
        return BOS;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id == EOS;
    }
}
