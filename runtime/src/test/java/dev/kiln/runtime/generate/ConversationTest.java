package dev.kiln.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ConversationTest {
    private final ByteTokenizer tokenizer = new ByteTokenizer();

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    private final Sampler greedy = new Sampler(SamplingSettings.greedy());

    @Test
    void theConversationStaysInTheCacheAndOnlyNewTextIsFed() {
        ScriptedSession session = new ScriptedSession(258, 512, concat(
                ByteTokenizer.bytes("Hi!"), new int[] {ByteTokenizer.EOS},
                new int[0], ByteTokenizer.bytes("Fine."), new int[] {ByteTokenizer.EOS}));
        Conversation chat = new Conversation(new Generator(session, tokenizer),
                tokenizer, ChatTemplate.named("zephyr", "</s>"), "Be nice.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals("Hi!", chat.reply("Hello", greedy, GenerationOptions.maxTokens(50), out).text());
        int callsAfterFirstTurn = session.forwardCalls;
        assertEquals("Fine.", chat.reply("How are you?", greedy, GenerationOptions.maxTokens(50), out).text());
        // the cache holds BOS + the conversation exactly as the template writes it, each token once
        String conversation = "<|system|>\nBe nice.</s>\n<|user|>\nHello</s>\n<|assistant|>\nHi!</s>\n"
                + "<|user|>\nHow are you?</s>\n<|assistant|>\nFine.";
        assertArrayEquals(tokenizer.encode(conversation, true, true), session.fedTokens());
        // turn two: one batch for the new text, then one call per generated token but the last
        assertEquals(callsAfterFirstTurn + 1 + "Fine.".length(), session.forwardCalls);
        assertEquals("Hi!Fine.", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aReplyCutShortIsReEvaluatedWithTheNextTurn() {
        ScriptedSession session = new ScriptedSession(258, 512, concat(ByteTokenizer.bytes("abcdef"),
                ByteTokenizer.bytes("<|im_end|>"), ByteTokenizer.bytes("ok"), new int[] {ByteTokenizer.EOS}));
        Conversation chat = new Conversation(new Generator(session, tokenizer),
                tokenizer, ChatTemplate.named("chatml", "</s>"), null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals("abc", chat.reply("1", greedy, GenerationOptions.maxTokens(3), out).text());
        chat.reply("2", greedy, GenerationOptions.maxTokens(50), out);
        String expected = "<|im_start|>user\n1<|im_end|>\n<|im_start|>assistant\nabc<|im_end|>\n"
                + "<|im_start|>user\n2<|im_end|>\n<|im_start|>assistant\n";
        // after the second turn the end-of-turn text stopped generation: the cache keeps its prompt only
        assertArrayEquals(tokenizer.encode(expected, true, true), session.fedTokens());
    }
}
