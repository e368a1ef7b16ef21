package dev.kiln.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    private final ByteTokenizer tokenizer = new ByteTokenizer();

    /** An output that fails if any single write is not whole UTF-8. */
    private static final class WholeCharacters extends OutputStream {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(b, off, len));
            } catch (CharacterCodingException e) {
                throw new AssertionError("half a character was printed", e);
            }
            all.write(b, off, len);
        }

        String text() {
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    private static int[] concat(int[] a, int... b) {
        return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
    }

    @Test
    void streamsOnlyTheContinuationAndStopsAtEos() {
        ScriptedSession session = new ScriptedSession(258, 64, concat(ByteTokenizer.bytes("héllo, 中文 😀"), ByteTokenizer.EOS));
        WholeCharacters out = new WholeCharacters();
        Generator g = new Generator(session, tokenizer);
        int[] prompt = tokenizer.encode("Hi", true, false);
        Completion stats = g.generate(prompt, new Sampler(SamplingSettings.greedy()), GenerationOptions.maxTokens(100), out);
        assertEquals("héllo, 中文 😀", out.text());
        assertEquals(out.text(), stats.text());
        assertEquals(StopReason.END_OF_GENERATION, stats.stopReason());
        assertEquals(3, stats.promptTokens());
        assertEquals(ByteTokenizer.EOS, stats.pendingToken());
        // the prompt went in as one batch, then one token per call; the end token is not evaluated
        assertEquals(1 + ByteTokenizer.bytes("héllo, 中文 😀").length, session.forwardCalls);
        assertArrayEquals(concat(prompt, ByteTokenizer.bytes("héllo, 中文 😀")), session.fedTokens());
    }

    @Test
    void stopsAfterNTokensWithoutEvaluatingTheLast() {
        ScriptedSession session = new ScriptedSession(258, 64, ByteTokenizer.bytes("abcdefghij"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Completion stats = new Generator(session, tokenizer)
                .generate(new int[] {ByteTokenizer.BOS}, new Sampler(SamplingSettings.greedy()), GenerationOptions.maxTokens(4), out);
        assertEquals("abcd", out.toString(StandardCharsets.UTF_8));
        assertEquals(StopReason.TOKEN_LIMIT, stats.stopReason());
        assertEquals(4, stats.generatedTokens());
        assertEquals(4, session.position()); // BOS + a, b, c
    }

    @Test
    void zeroTokensGeneratesNothing() {
        ScriptedSession session = new ScriptedSession(258, 64, ByteTokenizer.bytes("abc"));
        Completion stats = new Generator(session, tokenizer)
                .generate(new int[] {ByteTokenizer.BOS}, new Sampler(SamplingSettings.greedy()), GenerationOptions.maxTokens(0), new ByteArrayOutputStream());
        assertEquals("", stats.text());
        assertEquals(-1, stats.pendingToken());
    }

    @Test
    void aStopStringEndsGenerationAndIsNotPrinted() {
        ScriptedSession session = new ScriptedSession(258, 64, ByteTokenizer.bytes("one. The End. two"));
        WholeCharacters out = new WholeCharacters();
        Completion stats = new Generator(session, tokenizer)
                .generate(new int[] {ByteTokenizer.BOS}, new Sampler(SamplingSettings.greedy()), new GenerationOptions(-1, List.of("The End"), false), out);
        assertEquals("one. ", out.text());
        assertEquals(StopReason.STOP_STRING, stats.stopReason());
    }

    @Test
    void stopsWhenTheContextIsFull() {
        ScriptedSession session = new ScriptedSession(258, 6, ByteTokenizer.bytes("abcdefghij"));
        Completion stats = new Generator(session, tokenizer)
                .generate(new int[] {ByteTokenizer.BOS, 'x'}, new Sampler(SamplingSettings.greedy()), GenerationOptions.maxTokens(-1), new ByteArrayOutputStream());
        assertEquals(StopReason.CONTEXT_FULL, stats.stopReason());
        assertEquals("abcde", stats.text());
        assertEquals(6, session.position());
    }

    @Test
    void specialTokensPrintTheirTextOnlyWhenAsked() {
        ScriptedSession s1 = new ScriptedSession(258, 64, 'a', ByteTokenizer.BOS, 'b', ByteTokenizer.EOS);
        assertEquals("ab", new Generator(s1, tokenizer)
                .generate(new int[] {ByteTokenizer.BOS}, new Sampler(SamplingSettings.greedy()), GenerationOptions.maxTokens(10), new ByteArrayOutputStream()).text());
        ScriptedSession s2 = new ScriptedSession(258, 64, 'a', ByteTokenizer.BOS, 'b', ByteTokenizer.EOS);
        assertEquals("a<s>b", new Generator(s2, tokenizer)
                .generate(new int[] {ByteTokenizer.BOS}, new Sampler(SamplingSettings.greedy()), new GenerationOptions(10, List.of(), true), new ByteArrayOutputStream()).text());
    }

    @Test
    void aPromptLongerThanTheContextIsAClearError() {
        ScriptedSession session = new ScriptedSession(258, 8, 'a');
        Generator g = new Generator(session, tokenizer);
        ContextLengthException e = assertThrows(ContextLengthException.class,
                () -> g.generate(tokenizer.encode("this prompt is too long", true, false), new Sampler(SamplingSettings.greedy()), GenerationOptions.maxTokens(4),
                        new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("24 tokens") && e.getMessage().contains("context length 8"), e.getMessage());
        assertEquals(0, session.forwardCalls);
    }

    @Test
    void theSameSeedGivesTheSameTextAndTheSamplerSeesThePrompt() {
        // a flat distribution over a-d: only the seed decides
        class Flat extends ScriptedSession {
            Flat() {
                super(258, 64, 'a');
            }

            @Override
            public float[] forward(int[] tokens, int offset, int count, boolean allLogits) {
                super.forward(tokens, offset, count, allLogits);
                float[] l = new float[258];
                java.util.Arrays.fill(l, Float.NEGATIVE_INFINITY);
                for (int c = 'a'; c <= 'd'; c++) {
                    l[c] = 1f;
                }
                return l;
            }
        }
        SamplingSettings s = new SamplingSettings(1f, 40, 1f, 0f, 1f, 64, 99);
        String a = new Generator(new Flat(), tokenizer)
                .generate(new int[] {ByteTokenizer.BOS}, new Sampler(s), GenerationOptions.maxTokens(30), new ByteArrayOutputStream()).text();
        String b = new Generator(new Flat(), tokenizer)
                .generate(new int[] {ByteTokenizer.BOS}, new Sampler(s), GenerationOptions.maxTokens(30), new ByteArrayOutputStream()).text();
        assertEquals(a, b);
        assertTrue(a.chars().distinct().count() > 1, a);
        // the prompt counts for the repetition penalty: after "abc", greedy can only pick d
        String d = new Generator(new Flat(), tokenizer)
                .generate(new int[] {'a', 'b', 'c'}, new Sampler(s.withRepeatPenalty(2f, 64).withTemperature(0f)), GenerationOptions.maxTokens(1), new ByteArrayOutputStream()).text();
        assertEquals("d", d);
    }
}
