package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RougeLTest {
    private static double f(double p, double r) {
        return 2.0 * ((p * r) / (p + r + 1e-8));
    }

    @Test
    void oneSentenceUsesDistinctWordCounts() {
        // ref words {the, cat, lay, on, mat} (m = 5), hyp {the, cat, sat, on, mat} (n = 5);
        // the LCS "the cat on the mat" holds 4 distinct words.
        assertEquals(f(4.0 / 5, 4.0 / 5), RougeL.score("the cat sat on the mat", "the cat lay on the mat"), 0.0);
        // No lower-casing and no punctuation removal.
        assertEquals(f(1.0 / 2, 1.0 / 2), RougeL.score("The cat", "the cat"), 0.0);
    }

    @Test
    void unionOverSentencesAsInTheRougePaperExample() {
        // r = w1 w2 w3 w4 w5; c1 = w1 w2 w6 w7 w8, c2 = w1 w3 w8 w9 w5: union {w1, w2, w3, w5}.
        double got = RougeL.score("w1 w2 w6 w7 w8. w1 w3 w8 w9 w5", "w1 w2 w3 w4 w5");
        assertEquals(f(4.0 / 8, 4.0 / 5), got, 0.0);
    }

    @Test
    void backtrackPrefersLeftOnTies() {
        // ref "a b" vs hyp "b a": both LCS choices have length 1; the package steps left on a tie
        // and keeps "b". With the second reference sentence "b" the union is {b}: llcs = 1, not 2.
        assertEquals(f(1.0 / 2, 1.0 / 2), RougeL.score("b a", "a b. b"), 0.0);
        assertEquals(List.of("b"), RougeL.reconstructLcs(new String[] {"a", "b"}, new String[] {"b", "a"}, 100));
    }

    @Test
    void sentenceSplittingKeepsBlankPiecesAsEmptySentence() {
        assertEquals(List.of("Hello", ""), RougeL.sentences("Hello.  "));
        assertEquals(List.of("a b", "c"), RougeL.sentences("..a   b.c."));
        // hyp words {"Hello", ""} (n = 2), ref {"Hello"} (m = 1), llcs = 1.
        assertEquals(f(1.0 / 2, 1.0), RougeL.score("Hello. ", "Hello"), 0.0);
    }

    @Test
    void noSentenceIsAnErrorThatScoresZero() {
        assertEquals(0.0, RougeL.score("", "a reference"), 0.0);
        assertEquals(0.0, RougeL.score("...", "a reference"), 0.0);
        assertEquals(0.0, RougeL.score("a hypothesis", ""), 0.0);
    }

    @Test
    void recursionLimitOfTheOfficialRunScoresZero() {
        // The backtrack of n identical words makes n + 1 nested calls; with 9 frames below them,
        // Python's limit of 1000 allows n = 990 and raises RecursionError at n = 991.
        assertEquals(f(1.0, 1.0), RougeL.score(words(990), words(990)), 0.0);
        assertEquals(0.0, RougeL.score(words(991), words(991)), 0.0);
        // rouge_zh_score sits one frame deeper.
        assertEquals(0.0, RougeL.score(words(990), words(990), RougeL.CALLER_FRAMES + 1), 0.0);
    }

    private static String words(int n) {
        return IntStream.range(0, n).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
    }
}
