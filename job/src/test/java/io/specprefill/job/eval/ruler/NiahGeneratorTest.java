package io.specprefill.job.eval.ruler;

import static io.specprefill.job.eval.ruler.RulerTestData.WORD_TOKENS;
import static io.specprefill.job.eval.ruler.RulerTestData.count;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NiahGeneratorTest {
    private static final int LENGTH = 1500;

    private static List<RulerSample> generate(NiahVariant v, long seed, int length, int n) {
        return new NiahGenerator(v, RulerTestData.templates(), "base", RulerTestData.data(), WORD_TOKENS, seed)
                .generate(length, n);
    }

    @ParameterizedTest
    @EnumSource(NiahVariant.class)
    void fillsTheLengthAndHidesEachAnswerOnce(NiahVariant v) {
        for (RulerSample s : generate(v, 42, LENGTH, 3)) {
            assertTrue(s.length() <= LENGTH && s.length() >= LENGTH * 0.9, v + ": length " + s.length());
            assertEquals(WORD_TOKENS.applyAsInt(s.prompt()) + 16, s.length(), "length = prompt tokens + tokens to generate");
            assertEquals(v.numQueries * v.numValues, s.outputs().size(), v + ": " + s.outputs());
            for (String answer : s.outputs()) {
                assertEquals(1, count(s.input(), answer), v + ": answer " + answer + " must occur once");
                // The needle sentence that carries it names a queried key, and the question asks for that key.
                Matcher m = Pattern.compile("A secret " + v.values.rulerName() + " for (\\S+) is: "
                        + Pattern.quote(answer) + "\\.").matcher(s.input());
                assertTrue(m.find(), v + ": no needle sentence for " + answer);
                assertTrue(s.answerPrefix().contains(m.group(1)), v + ": prefix " + s.answerPrefix() + " lacks " + m.group(1));
            }
            assertTrue(s.answerPrefix().startsWith(" The secret"), s.answerPrefix());
            assertTrue(s.input().startsWith(v.numQueries * v.numValues == 1 ? "A secret " : "Some secret "), s.input());
        }
    }

    @Test
    void singleNeedleTemplateIsMadeSingular() {
        RulerSample s = generate(NiahVariant.NIAH_SINGLE_2, 1, 900, 1).get(0);
        assertTrue(s.input().startsWith("A secret number is tucked into the text below."), s.input());
        assertTrue(s.input().contains("\nWhich secret number belong to "), s.input());
        assertTrue(s.answerPrefix().startsWith(" The secret number belonging to ") && s.answerPrefix().endsWith(" is"),
                s.answerPrefix());
        // The needle keeps RULER's plural type.
        assertTrue(s.input().contains("A secret numbers for "), s.input());
    }

    @Test
    void keysValuesAndHaystacksByVariant() {
        RulerSample uuid = generate(NiahVariant.NIAH_SINGLE_3, 3, 900, 1).get(0);
        assertTrue(uuid.outputs().get(0).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
                uuid.outputs().toString());
        RulerSample number = generate(NiahVariant.NIAH_SINGLE_1, 3, 600, 1).get(0);
        assertTrue(number.outputs().get(0).matches("[1-9][0-9]{6}"), number.outputs().toString());
        assertTrue(number.input().contains("by the river.\nRain falls on the hill."), "noise lines joined by newlines");
        RulerSample multikey = generate(NiahVariant.NIAH_MULTIKEY_1, 3, 900, 1).get(0);
        assertEquals(4, count(multikey.input(), "A secret numbers for "), "4 keys, one asked");
        RulerSample distractors = generate(NiahVariant.NIAH_MULTIKEY_2, 3, 900, 1).get(0);
        assertTrue(count(distractors.input(), "A secret numbers for ") > 20, "the haystack is made of needles");
        RulerSample query = generate(NiahVariant.NIAH_MULTIQUERY, 3, 900, 1).get(0);
        assertTrue(query.answerPrefix().contains(", and "), query.answerPrefix());
    }

    @Test
    void deterministicForASeed() {
        List<RulerSample> a = generate(NiahVariant.NIAH_MULTIVALUE, 7, 800, 2);
        assertEquals(a, generate(NiahVariant.NIAH_MULTIVALUE, 7, 800, 2));
        assertNotEquals(a, generate(NiahVariant.NIAH_MULTIVALUE, 8, 800, 2));
    }

    @Test
    void depthsAreRoundedLinspace() {
        assertEquals(40, NiahGenerator.DEPTHS.length);
        assertArrayEquals(new int[] {0, 3, 5, 8, 10}, java.util.Arrays.copyOf(NiahGenerator.DEPTHS, 5));
        assertEquals(51, NiahGenerator.DEPTHS[20]);
        assertEquals(100, NiahGenerator.DEPTHS[39]);
    }
}
