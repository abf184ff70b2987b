package io.specprefill.job.eval.ruler;

import static io.specprefill.job.eval.ruler.RulerTestData.WORD_TOKENS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FreqWordsGeneratorTest {
    private static List<RulerSample> generate(long seed, int length, int n) {
        return new FreqWordsGenerator(RulerTestData.templates(), "base", WORD_TOKENS, seed).generate(length, n);
    }

    @Test
    void answersAreRanksTwoToFourOfAZipfList() {
        for (RulerSample s : generate(42, 3000, 2)) {
            assertTrue(s.length() <= 3000 && s.length() >= 2700, "length " + s.length());
            String context = s.input().substring(s.input().indexOf("appears below. ") + 15, s.input().indexOf("\nQuestion:"));
            Map<String, Integer> c = new HashMap<>();
            for (String w : context.split(" ")) {
                c.merge(w, 1, Integer::sum);
            }
            List<String> a = s.outputs();
            assertEquals(3, a.size());
            a.forEach(w -> assertTrue(w.matches("[a-z]{6}"), w));
            // Counts int(N k^-2 / zeta(2)): rank 1 ("...") > rank 2 > rank 3 > rank 4 > any other word.
            int n2 = c.get(a.get(0));
            int n3 = c.get(a.get(1));
            int n4 = c.get(a.get(2));
            assertTrue(c.get("...") > n2 && n2 > n3 && n3 > n4, c.get("...") + " " + n2 + " " + n3 + " " + n4);
            c.forEach((w, n) -> assertTrue(a.contains(w) || w.equals("...") || n < n4, w + " x" + n));
            // N from rank 2: int(N / 4 / zeta(2)) = n2, so rank 3 has int(N / 9 / zeta(2)) words.
            double nWords = n2 * 4 * FreqWordsGenerator.ZETA_ALPHA;
            assertEquals((int) (nWords / 9 / FreqWordsGenerator.ZETA_ALPHA), n3, 1);
        }
    }

    @Test
    void deterministicForASeed() {
        assertEquals(generate(3, 1000, 2), generate(3, 1000, 2));
        assertNotEquals(generate(3, 1000, 2), generate(4, 1000, 2));
    }
}
