package io.specprefill.job.eval.ruler;

import static io.specprefill.job.eval.ruler.RulerTestData.WORD_TOKENS;
import static io.specprefill.job.eval.ruler.RulerTestData.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VariableTrackingGeneratorTest {
    private static List<RulerSample> generate(long seed, int length, int n) {
        return new VariableTrackingGenerator(RulerTestData.templates(), "base", WORD_TOKENS, seed).generate(length, n);
    }

    @Test
    void chainIsHiddenOnceAndAnswerIsItsVariables() {
        for (RulerSample s : generate(42, 1200, 3)) {
            assertTrue(s.length() <= 1200 && s.length() >= 1100, "length " + s.length());
            List<String> vars = s.outputs();
            assertEquals(5, vars.size());
            vars.forEach(v -> assertTrue(v.matches("[A-Z]{5}"), v));
            // The task part follows the in-context example; look at it alone.
            String task = s.input().substring(s.input().lastIndexOf("Follow the chain of"));
            Matcher first = Pattern.compile("\nVAR " + vars.get(0) + " = (\\d{5})\n").matcher(task);
            assertTrue(first.find(), task);
            String value = first.group(1);
            for (int j = 1; j < 5; j++) {
                assertEquals(1, count(task, "VAR " + vars.get(j) + " = VAR " + vars.get(j - 1) + " \n"), task);
            }
            assertEquals(" Answer: the 5 variables holding " + value + " are: ", s.answerPrefix());
            assertTrue(task.indexOf("VAR " + vars.get(0) + " =") < task.indexOf("VAR " + vars.get(4) + " ="),
                    "hops appear in chain order");
        }
    }

    @Test
    void inContextExampleComesFirstWithItsAnswer() {
        RulerSample s = generate(5, 1000, 1).get(0);
        assertEquals(2, count(s.input(), "Follow the chain of assignments"), "example + task");
        String example = s.input().substring(0, s.input().lastIndexOf("Follow the chain of"));
        // The solved example: three-letter names (re-randomized), its answer after its prefix, a blank line.
        Matcher m = Pattern.compile("are:  ([A-Z]{3}) ([A-Z]{3}) ([A-Z]{3}) ([A-Z]{3}) ([A-Z]{3})\n\n$").matcher(example);
        assertTrue(m.find(), example.substring(Math.max(0, example.length() - 200)));
        assertFalse(example.contains("12345"), "the example's value 12345 is re-drawn for every row");
    }

    @Test
    void deterministicForASeed() {
        assertEquals(generate(9, 700, 2), generate(9, 700, 2));
        assertNotEquals(generate(9, 700, 2), generate(10, 700, 2));
    }
}
