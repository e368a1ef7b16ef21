package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The pre-tokenizer expressions on splits known from GPT-2's and Llama 3's own tokenizers. */
class PreTokenizerTest {
    private final PreTokenizer gpt2 = new PreTokenizer(List.of(PreTokenizer.GPT2));
    private final PreTokenizer llama3 = new PreTokenizer(List.of(PreTokenizer.LLAMA3));

    @Test
    void gpt2() {
        assertEquals(List.of("Hello", ",", " world", "!"), gpt2.split("Hello, world!"));
        assertEquals(List.of("a", " ", " b"), gpt2.split("a  b"));
        assertEquals(List.of("I", "'", "M", " can", "'t"), gpt2.split("I'M can't"));
        assertEquals(List.of("12345", " 6"), gpt2.split("12345 6"));
        assertEquals(List.of("x", "\t", "y", "  "), gpt2.split("x\ty  "));
        assertEquals(List.of("a", "\u3000", "b"), gpt2.split("a\u3000b"), "U+3000 is whitespace");
    }

    @Test
    void llama3() {
        assertEquals(List.of("123", "45"), llama3.split("12345"));
        assertEquals(List.of("I", "'M"), llama3.split("I'M"));
        assertEquals(List.of("a", "\n\n", " b"), llama3.split("a\n\n b"));
        assertEquals(List.of("x", " ", " y"), llama3.split("x  y"));
        assertEquals(List.of("(hi", ")\n"), llama3.split("(hi)\n"));
        assertEquals(List.of(" ?!", " ok"), llama3.split(" ?! ok"));
    }

    @Test
    void qwen2() {
        PreTokenizer qwen2 = new PreTokenizer(List.of(PreTokenizer.QWEN2));
        assertEquals(List.of("1", "2", "3", "4", "5"), qwen2.split("12345"));
        assertEquals(List.of("I", "'M", " x", "2"), qwen2.split("I'M x2"));
        assertEquals(List.of("a", "\n\n", " b"), qwen2.split("a\n\n b"));
    }

    @Test
    void tekkenSplitsCaseRunsAndKeepsApostrophes() {
        PreTokenizer tekken = new PreTokenizer(List.of(PreTokenizer.TEKKEN));
        assertEquals(List.of("XMLHttp", "Request"), tekken.split("XMLHttpRequest"));
        assertEquals(List.of("i", "Phone", " HTTPServer"), tekken.split("iPhone HTTPServer"));
        assertEquals(List.of("don", "'t"), tekken.split("don't"));
        // llama.cpp's adaptation: É is a letter other than A-Z, so it ends the first alternative
        // as its "lower-case" part (Hugging Face's regex, with \p{Lu}, keeps " ÉCOLE" whole)
        assertEquals(List.of("École", " É", "COLE"), tekken.split("École ÉCOLE"));
        assertEquals(List.of("1", "2", " ./", "a"), tekken.split("12 ./a"));
    }

    @Test
    void smollmSplitsDigitsBeforeGpt2() {
        PreTokenizer smollm = new PreTokenizer(PreTokenizer.DIGITS_THEN_GPT2);
        assertEquals(List.of("abc", "1", "2", "3", " ", "4", " x"), smollm.split("abc123 4 x"));
    }

    @Test
    void emptyTextHasNoWords() {
        assertEquals(List.of(), gpt2.split(""));
        assertEquals(List.of(), new PreTokenizer(PreTokenizer.DEFAULT).split(""));
    }
}
