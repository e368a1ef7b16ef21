package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.conformance.Check;
import dev.kiln.conformance.TokenizerContract;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The contract is only worth something if it fails broken tokenizers: three deliberately wrong ones. */
class TokenizerContractSelfTest {

    /** Delegates everything; subclasses break one thing. */
    private static class Wrapper implements Tokenizer {
        final Tokenizer t;

        Wrapper(Tokenizer t) {
            this.t = t;
        }

        @Override
        public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
            return t.encode(text, addSpecial, parseSpecial);
        }

        @Override
        public byte[] piece(int id) {
            return t.piece(id);
        }

        @Override
        public String decode(int[] ids) {
            return t.decode(ids);
        }

        @Override
        public int vocabularySize() {
            return t.vocabularySize();
        }

        @Override
        public String tokenText(int id) {
            return t.tokenText(id);
        }

        @Override
        public OptionalInt tokenId(String text) {
            return t.tokenId(text);
        }

        @Override
        public int bos() {
            return t.bos();
        }

        @Override
        public int eos() {
            return t.eos();
        }

        @Override
        public boolean isEndOfGeneration(int id) {
            return t.isEndOfGeneration(id);
        }
    }

    private static List<String> failures(Tokenizer t) {
        List<String> failed = new ArrayList<>();
        for (Check c : TokenizerContract.checks(t)) {
            try {
                c.body().execute();
            } catch (Throwable e) {
                failed.add(c.name());
            }
        }
        return failed;
    }

    private static Tokenizer gpt2() {
        return Fixtures.tokenizer("vocab/ggml-vocab-gpt-2.gguf");
    }

    @Test
    void theRealTokenizerPasses() {
        assertTrue(failures(gpt2()).isEmpty(), () -> failures(gpt2()).toString());
    }

    @Test
    void aDecodeThatTrimsFails() {
        List<String> failed = failures(new Wrapper(gpt2()) {
            @Override
            public String decode(int[] ids) {
                return t.decode(ids).strip();
            }
        });
        assertTrue(failed.stream().anyMatch(n -> n.startsWith("decode(encode(s)) == s: whitespace runs")), failed::toString);
    }

    @Test
    void piecesThatReplaceBrokenUtf8Fail() {
        List<String> failed = failures(new Wrapper(gpt2()) {
            @Override
            public byte[] piece(int id) {
                // decoding each piece on its own mangles characters split across tokens
                return new String(t.piece(id), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
            }
        });
        assertTrue(failed.stream().anyMatch(n -> n.startsWith("streamed pieces are whole UTF-8 and join to decode: emoji")), failed::toString);
    }

    @Test
    void aTokenizerThatOnlyWorksOnItsOwnThreadFailsTheConcurrencyCheck() {
        Thread owner = Thread.currentThread();
        List<String> failed = failures(new Wrapper(gpt2()) {
            @Override
            public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
                int[] ids = t.encode(text, addSpecial, parseSpecial);
                // stands for state that is only right on the thread that built it
                return Thread.currentThread() == owner || ids.length == 0 ? ids : java.util.Arrays.copyOf(ids, ids.length - 1);
            }
        });
        assertTrue(failed.contains("concurrent encodes equal sequential ones"), failed::toString);
    }
}
