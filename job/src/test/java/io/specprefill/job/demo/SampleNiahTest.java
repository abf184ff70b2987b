package io.specprefill.job.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.udf.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SampleNiahTest {
    private static final Pattern NEEDLE = Pattern.compile(
            "One of the special magic numbers for ([a-z]+-[a-z]+) is: (\\d{7})\\.");

    @Test
    void rowsAreDeterministicAndDiffer() {
        List<SampleNiah.Row> a = SampleNiah.generate(12, 3600, 7);
        assertEquals(a, SampleNiah.generate(12, 3600, 7));
        assertEquals(12, a.stream().map(SampleNiah.Row::prompt).distinct().count());
        assertTrue(!a.equals(SampleNiah.generate(12, 3600, 8)));
    }

    @Test
    void everyRowHidesItsAnswerAndAsksForIt() {
        int multiNeedle = 0;
        for (SampleNiah.Row r : SampleNiah.generate(40, 3600, 1)) {
            assertTrue(r.prompt().startsWith(SampleNiah.INTRO), r.id());
            assertTrue(r.prompt().endsWith("\nWhat is the special magic number for " + r.key()
                    + " mentioned in the provided text? The special magic number for " + r.key()
                    + " mentioned in the provided text is"), r.id());
            Matcher m = NEEDLE.matcher(r.prompt());
            int found = 0;
            boolean asked = false;
            while (m.find()) {
                found++;
                asked |= m.group(1).equals(r.key()) && m.group(2).equals(r.answer());
            }
            assertEquals(r.needles(), found, r.id());
            assertTrue(asked, r.id() + ": the asked needle is in the haystack");
            multiNeedle += r.needles() > 1 ? 1 : 0;
        }
        assertTrue(multiNeedle > 5 && multiNeedle < 30, "about 40% of rows have 2-3 needles: " + multiNeedle);
    }

    @Test
    void promptsAreAboutAThousandTokensOfTheShippedTokenizer() {
        Tokenizer tok = Tokenizer.load(Path.of("..", "models", "niah-target", "tokenizer.json"));
        for (SampleNiah.Row r : SampleNiah.generate(12, EmbeddedRun.HAYSTACK_CHARS, EmbeddedRun.SEED)) {
            int n = tok.encode(r.prompt(), true).length;
            assertTrue(n > 850 && n < 1150, r.id() + ": " + n + " tokens");
        }
    }

    @Test
    void haystackIsOursAndWholeSentences() {
        List<String> sentences = SampleNiah.sentences(SampleNiah.haystack());
        assertTrue(sentences.size() > 80, "a few KB of prose: " + sentences.size() + " sentences");
        sentences.forEach(s -> assertTrue(s.matches("[A-Z].*[.!?]"), s));
    }
}
