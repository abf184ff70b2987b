package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CodeSimilarityTest {
    @Test
    void fuzzRatioRoundsHalfToEven() {
        // One common character, total length 16: 100 * 2/16 = 12.5 -> 12 (Python's round), not 13.
        assertEquals(12, CodeSimilarity.fuzzRatio("abcdefgh", "aijklmno"));
        // Three common characters of 16: 37.5 -> 38.
        assertEquals(38, CodeSimilarity.fuzzRatio("abcdefgh", "abcijklm"));
        assertEquals(87, CodeSimilarity.fuzzRatio("private Thread currentThread;", "private volatile Thread currentThread;"));
    }

    @Test
    void fuzzRatioEqualityBeforeEmptiness() {
        assertEquals(100, CodeSimilarity.fuzzRatio("", ""));
        assertEquals(0, CodeSimilarity.fuzzRatio("", "x"));
        assertEquals(100, CodeSimilarity.fuzzRatio("same", "same"));
    }

    @Test
    void scoresTheFirstLineThatIsNotACommentOrFence() {
        String pred = "\n\n# a comment\n```python\nx = 1  \ny = 2\n";
        assertEquals(CodeSimilarity.fuzzRatio("x = 1  ", "x = 1") / 100.0, CodeSimilarity.score(pred, "x = 1"), 0.0);
        // A '//' anywhere in the line disqualifies it (URLs too).
        assertEquals(1.0, CodeSimilarity.score("url = 'http://x'\nreturn y", "return y"), 0.0);
        // No usable line: "" against a non-empty ground truth is 0; against "" it is 100.
        assertEquals(0.0, CodeSimilarity.score("// only\n#x", "abc"), 0.0);
        assertEquals(1.0, CodeSimilarity.score("// only", ""), 0.0);
    }
}
