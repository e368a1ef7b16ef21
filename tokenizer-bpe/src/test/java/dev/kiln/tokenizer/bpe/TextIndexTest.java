package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextIndexTest {

    @Test
    void findsEveryTextAtItsFirstPosition() {
        Random random = new Random(12);
        String[] texts = new String[5000];
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < texts.length; i++) {
            texts[i] = Integer.toString(random.nextInt(4000), 36); // some repeat
            first.putIfAbsent(texts[i], i);
        }
        TextIndex index = new TextIndex(texts);
        first.forEach((text, position) -> assertEquals(position, index.indexOf(text), text));
        assertEquals(-1, index.indexOf("not there"));
        assertFalse(index.contains("-1"));
        assertTrue(index.contains(texts[0]));
    }

    @Test
    void reportsTheFirstRepeat() {
        assertEquals(-1, new TextIndex(new String[] {"a", "b", "c"}).firstRepeat());
        assertEquals(3, new TextIndex(new String[] {"a", "b", "c", "b", "a"}).firstRepeat());
        assertEquals(-1, new TextIndex(new String[0]).firstRepeat());
        assertEquals(-1, new TextIndex(new String[0]).indexOf(""));
    }
}
