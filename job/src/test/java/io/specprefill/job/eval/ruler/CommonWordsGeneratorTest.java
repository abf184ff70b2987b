package io.specprefill.job.eval.ruler;

import static io.specprefill.job.eval.ruler.RulerTestData.WORD_TOKENS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommonWordsGeneratorTest {
    /** A data folder whose word lists hold {@code n} made-up words (RULER's estimate needs 4096). */
    private static RulerData words(Path dir, int n) throws IOException {
        Files.createDirectories(dir.resolve("wonderwords"));
        List<String> nouns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nouns.add("w" + Integer.toString(i, 26).replace('0', 'z'));
        }
        Files.write(dir.resolve("wonderwords/nounlist.txt"), nouns);
        Files.write(dir.resolve("wonderwords/adjectivelist.txt"), List.of());
        Files.write(dir.resolve("wonderwords/verblist.txt"), List.of());
        return new RulerData(dir);
    }

    private static Map<String, Integer> counts(String numberedList) {
        Map<String, Integer> c = new HashMap<>();
        Matcher m = Pattern.compile("\\d+\\. (\\S+)").matcher(numberedList);
        while (m.find()) {
            c.merge(m.group(1), 1, Integer::sum);
        }
        return c;
    }

    @Test
    void commonWordsRepeatSixTimesBelow4k(@TempDir Path dir) throws IOException {
        RulerData data = words(dir, 5000);
        List<RulerSample> rows = new CommonWordsGenerator(RulerTestData.templates(), "base", data, WORD_TOKENS, 42)
                .generate(2000, 2);
        for (RulerSample s : rows) {
            assertTrue(s.length() <= 2000 && s.length() >= 1900, "length " + s.length());
            assertEquals(10, s.outputs().size());
            String task = s.input().substring(s.input().lastIndexOf("Here is a numbered word list"));
            Map<String, Integer> c = counts(task);
            for (String w : s.outputs()) {
                assertEquals(6, c.get(w), w + " in " + c);
            }
            long others = c.entrySet().stream().filter(e -> !s.outputs().contains(e.getKey())).count();
            assertTrue(others > 10, "uncommon words present");
            c.forEach((w, n) -> assertTrue(s.outputs().contains(w) || n == 1, w + " x" + n));
            // One solved example first: 20 words, its 10 common ones 3 times, its answer numbered.
            String example = s.input().substring(0, s.input().lastIndexOf("Here is a numbered word list"));
            assertTrue(example.contains("are: 1. "), example);
        }
    }

    @Test
    void tooFewWordsIsAClearError(@TempDir Path dir) throws IOException {
        RulerData small = words(dir, 100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CommonWordsGenerator(RulerTestData.templates(), "base", small, WORD_TOKENS, 1).generate(2000, 1));
        assertTrue(e.getMessage().contains("4096"), e.getMessage());
    }

    @Test
    void lengthBeyondTheWordPoolAsksForEnglishWords(@TempDir Path dir) throws IOException {
        RulerData data = words(dir, 4200);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CommonWordsGenerator(RulerTestData.templates(), "base", data, WORD_TOKENS, 1).generate(60000, 1));
        assertTrue(e.getMessage().contains("english_words.json"), e.getMessage());
    }
}
