package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code fixtures/vocab/special_tokens.llamacpp.jsonl}: ids from {@code llama-tokenize} for BOS
 * insertion and special-token parsing, with the {@code add_special}/{@code parse_special} flags given.
 */
class SpecialTokensCaseTest {

    record Case(String vocab, boolean addSpecial, boolean parseSpecial, String text, int[] ids) {
    }

    static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.file("vocab/special_tokens.llamacpp.jsonl"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonLine json = new JsonLine(line);
            cases.add(new Case(json.string("vocab"), json.bool("add_special"), json.bool("parse_special"),
                    json.string("text"), json.ints("ids")));
        }
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> specialTokenCases() throws IOException {
        List<Case> cases = cases();
        assertEquals(32, cases.size(), "cases in special_tokens.llamacpp.jsonl");
        return cases.stream().map(c -> DynamicTest.dynamicTest(
                c.vocab() + " add_special=" + c.addSpecial() + " parse_special=" + c.parseSpecial() + " " + TokenizerText.escape(c.text()),
                () -> assertArrayEquals(c.ids(),
                        Fixtures.tokenizer("vocab/" + c.vocab()).encode(c.text(), c.addSpecial(), c.parseSpecial()))));
    }
}
