package io.specprefill.job.eval.ruler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RulerScorerTest {
    @Test
    void postprocessStripsAndTurnsControlCharactersIntoNewlines() {
        assertEquals("a\nb\nc", RulerScorer.postprocess("  a\tb\u0001c \n"));
        assertEquals("x", RulerScorer.postprocess("\u0000x\u001f"));
    }

    @Test
    void perSampleMatches() {
        List<String> refs = List.of("123", "456", "789");
        assertEquals(2.0 / 3, RulerScorer.matchAll("The numbers are 123 and 456.", refs), 0.0);
        assertEquals(1.0, RulerScorer.matchPart("The numbers are 123 and 456.", refs), 0.0);
        assertEquals(0.0, RulerScorer.matchPart("none", refs), 0.0);
        // Case-insensitive substring: "Quiet-River" is found in "quiet-river.", "art" in "party".
        assertEquals(1.0, RulerScorer.matchAll("answer: quiet-river.", List.of("Quiet-River")), 0.0);
        assertEquals(1.0, RulerScorer.matchAll("a party", List.of("art")), 0.0);
        assertThrows(IllegalArgumentException.class, () -> RulerScorer.matchAll("x", List.of()));
    }

    @Test
    void aggregatesAsPercentRoundedToTwo() {
        List<List<String>> refs = List.of(List.of("a", "b"), List.of("c", "d", "e"), List.of("f"));
        List<String> preds = List.of("a b", "c", "z");
        // all: (1 + 1/3 + 0) / 3 * 100 = 44.444... -> 44.44; part: (1 + 1 + 0) / 3 * 100 -> 66.67
        assertEquals(44.44, RulerScorer.stringMatchAll(preds, refs), 0.0);
        assertEquals(66.67, RulerScorer.stringMatchPart(preds, refs), 0.0);
        assertThrows(IllegalArgumentException.class, () -> RulerScorer.stringMatchAll(List.of("a"), refs));
    }
}
