package dev.kiln.conformance;

import dev.kiln.api.KilnException;
import dev.kiln.api.tokenizer.Tokenizer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The contract every {@link Tokenizer} passes. Plugin test suites subclass this and return a
 * tokenizer (built from a real vocabulary) from {@link #subject()}; {@code kiln check-plugin}
 * calls {@link #checks} directly.
 *
 * <p>The round trip is llama.cpp's: {@code decode(encode(s, addSpecial, false)) == s}, where
 * decode prints no control tokens (BOS, EOS) and takes away the one space a SentencePiece
 * vocabulary puts in front of the text ({@code add_space_prefix}). Streaming is the pieces of
 * the ids, one after another: fed to a UTF-8 decoder that waits for complete characters, they
 * must never be malformed and must join to the decoded text (give or take that prefix space).
 */
public abstract class TokenizerContract {
    static final String CONTRACT = "Tokenizer";
    static final int THREADS = 4;
    static final int ROUNDS_PER_THREAD = 3;

    /** The plugin under test, built from a real vocabulary. */
    protected abstract Tokenizer subject();

    @TestFactory
    public Stream<DynamicTest> tokenizerContract() {
        return checks(subject()).stream().map(Check::toDynamicTest);
    }

    /** Every check of the contract for {@code t}. */
    public static List<Check> checks(Tokenizer t) {
        Map<String, String> corpus = TokenizerContractCorpus.texts();
        List<Check> checks = new ArrayList<>();
        for (Map.Entry<String, String> e : corpus.entrySet()) {
            checks.add(new Check(CONTRACT, "decode(encode(s)) == s: " + e.getKey(), () -> roundTrip(t, e.getValue())));
        }
        for (Map.Entry<String, String> e : corpus.entrySet()) {
            checks.add(new Check(CONTRACT, "streamed pieces are whole UTF-8 and join to decode: " + e.getKey(),
                    () -> streaming(t, e.getValue())));
        }
        checks.add(new Check(CONTRACT, "ids are within the vocabulary", () -> idsInVocabulary(t, corpus)));
        checks.add(new Check(CONTRACT, "empty text encodes to no tokens", () -> emptyText(t)));
        checks.add(new Check(CONTRACT, "BOS and EOS are -1 or within the vocabulary", () -> specialIds(t)));
        checks.add(new Check(CONTRACT, "BOS text becomes BOS when parsing special tokens", () -> bosParsed(t)));
        checks.add(new Check(CONTRACT, "EOS ends generation", () -> {
            if (t.eos() >= 0) {
                assertTrue(t.isEndOfGeneration(t.eos()), "isEndOfGeneration(eos " + t.eos() + ") is false");
            }
        }));
        checks.add(new Check(CONTRACT, "tokenId(tokenText(id)) == id", () -> textIdAgreement(t)));
        checks.add(new Check(CONTRACT, "every id has a piece", () -> {
            for (int id = 0; id < t.vocabularySize(); id++) {
                if (t.piece(id) == null) {
                    throw new AssertionError("piece(" + id + ") is null");
                }
            }
        }));
        checks.add(new Check(CONTRACT, "ids outside the vocabulary are a KilnException", () -> outOfRange(t)));
        checks.add(new Check(CONTRACT, "concurrent encodes equal sequential ones", () -> concurrent(t, corpus)));
        return checks;
    }

    private static void roundTrip(Tokenizer t, String s) {
        for (boolean addSpecial : new boolean[] {false, true}) {
            int[] ids = t.encode(s, addSpecial, false);
            String back = t.decode(ids);
            if (!back.equals(s)) {
                throw new AssertionError("addSpecial=" + addSpecial + ": decode(encode(s)) differs at char "
                        + firstDifference(s, back) + "\n  s:    " + escape(s) + "\n  back: " + escape(back)
                        + "\n  ids:  " + head(ids));
            }
        }
    }

    private static void streaming(Tokenizer t, String s) {
        for (boolean addSpecial : new boolean[] {false, true}) {
            int[] ids = t.encode(s, addSpecial, false);
            String streamed = stream(t, ids);
            String decoded = t.decode(ids);
            boolean same = streamed.equals(decoded) || (streamed.startsWith(" ") && streamed.substring(1).equals(decoded));
            if (!same) {
                throw new AssertionError("addSpecial=" + addSpecial + ": streamed pieces differ from decode"
                        + "\n  streamed: " + escape(streamed) + "\n  decoded:  " + escape(decoded) + "\n  ids: " + head(ids));
            }
        }
    }

    /** The pieces of {@code ids} through an incremental strict UTF-8 decoder, as a streaming printer would see them. */
    private static String stream(Tokenizer t, int[] ids) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer pending = ByteBuffer.allocate(16);
        StringBuilder out = new StringBuilder();
        CharBuffer chars = CharBuffer.allocate(64);
        for (int i = 0; i < ids.length; i++) {
            byte[] piece = t.piece(ids[i]);
            for (byte b : piece) {
                if (!pending.hasRemaining()) {
                    throw new AssertionError("more than 16 bytes pending without a complete character at token " + i);
                }
                pending.put(b);
                pending.flip();
                CoderResult r = decoder.decode(pending, chars, false);
                if (r.isError()) {
                    throw new AssertionError("malformed UTF-8 after piece " + i + " (id " + ids[i] + "): " + r);
                }
                chars.flip();
                out.append(chars);
                chars.clear();
                pending.compact();
            }
        }
        pending.flip();
        CoderResult r = decoder.decode(pending, chars, true);
        if (r.isError() || pending.hasRemaining()) {
            throw new AssertionError("the pieces end inside a UTF-8 character");
        }
        decoder.flush(chars);
        chars.flip();
        out.append(chars);
        return out.toString();
    }

    private static void idsInVocabulary(Tokenizer t, Map<String, String> corpus) {
        int n = t.vocabularySize();
        if (n <= 0) {
            throw new AssertionError("vocabularySize() is " + n);
        }
        for (Map.Entry<String, String> e : corpus.entrySet()) {
            for (boolean addSpecial : new boolean[] {false, true}) {
                for (boolean parseSpecial : new boolean[] {false, true}) {
                    for (int id : t.encode(e.getValue(), addSpecial, parseSpecial)) {
                        if (id < 0 || id >= n) {
                            throw new AssertionError(e.getKey() + ": id " + id + " outside [0, " + n + ")");
                        }
                    }
                }
            }
        }
    }

    private static void emptyText(Tokenizer t) {
        int[] ids = t.encode("", false, false);
        if (ids.length != 0) {
            throw new AssertionError("encode(\"\", addSpecial=false) gave " + Arrays.toString(ids));
        }
        assertTrue(t.decode(new int[0]).isEmpty(), "decode([]) is not empty");
        for (int id : t.encode("", true, false)) {
            assertTrue(id == t.bos() || id == t.eos(), "encode(\"\", addSpecial=true) gave " + id + ", neither BOS nor EOS");
        }
    }

    private static void specialIds(Tokenizer t) {
        int n = t.vocabularySize();
        for (int id : new int[] {t.bos(), t.eos()}) {
            assertTrue(id == -1 || (id >= 0 && id < n), "special id " + id + " is neither -1 nor in [0, " + n + ")");
        }
    }

    private static void bosParsed(Tokenizer t) {
        if (t.bos() < 0) {
            return;
        }
        String text = t.tokenText(t.bos());
        int[] ids = t.encode(text, false, true);
        assertTrue(Arrays.stream(ids).anyMatch(id -> id == t.bos()),
                "encode(\"" + escape(text) + "\", parseSpecial=true) gave " + Arrays.toString(ids) + " without BOS " + t.bos());
    }

    private static void textIdAgreement(Tokenizer t) {
        int n = t.vocabularySize();
        int step = Math.max(1, n / 5000);
        for (int id = 0; id < n; id += step) {
            String text = t.tokenText(id);
            OptionalInt back = t.tokenId(text);
            if (back.isEmpty() || back.getAsInt() != id) {
                throw new AssertionError("tokenId(tokenText(" + id + ") = \"" + escape(text) + "\") is " + back);
            }
        }
    }

    private static void outOfRange(Tokenizer t) {
        int n = t.vocabularySize();
        for (int bad : new int[] {-1, n, Integer.MAX_VALUE}) {
            expectKilnException(() -> t.piece(bad), "piece(" + bad + ")");
            expectKilnException(() -> t.tokenText(bad), "tokenText(" + bad + ")");
            expectKilnException(() -> t.decode(new int[] {bad}), "decode([" + bad + "])");
        }
    }

    private static void concurrent(Tokenizer t, Map<String, String> corpus) throws Exception {
        List<String> texts = new ArrayList<>(corpus.values());
        List<int[]> expected = new ArrayList<>();
        for (String s : texts) {
            expected.add(t.encode(s, true, true));
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int thread = 0; thread < THREADS; thread++) {
                int offset = thread;
                results.add(pool.submit(() -> {
                    for (int round = 0; round < ROUNDS_PER_THREAD; round++) {
                        for (int k = 0; k < texts.size(); k++) {
                            int i = (k + offset * 7 + round) % texts.size();
                            if (!Arrays.equals(t.encode(texts.get(i), true, true), expected.get(i))) {
                                return "text " + i + " encoded differently on a concurrent thread";
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<String> f : results) {
                String problem = f.get(5, TimeUnit.MINUTES);
                if (problem != null) {
                    throw new AssertionError(problem);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void expectKilnException(Runnable call, String what) {
        try {
            call.run();
        } catch (KilnException expected) {
            return;
        } catch (RuntimeException other) {
            throw new AssertionError(what + " threw " + other + " instead of a KilnException", other);
        }
        throw new AssertionError(what + " did not throw");
    }

    private static void assertTrue(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    private static int firstDifference(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            if (a.charAt(i) != b.charAt(i)) {
                return i;
            }
        }
        return n;
    }

    private static String head(int[] ids) {
        return ids.length <= 64 ? Arrays.toString(ids) : Arrays.toString(Arrays.copyOf(ids, 64)) + "... (" + ids.length + " ids)";
    }

    /** Text with control and non-ASCII characters escaped, cut to a readable length. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(300).forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(cp <= 0xFFFF ? String.format("\\u%04X", cp) : String.format("\\U%06X", cp));
            }
        });
        return s.codePointCount(0, s.length()) > 300 ? sb + "..." : sb.toString();
    }
}
