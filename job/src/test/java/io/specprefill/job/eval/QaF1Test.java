package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class QaF1Test {
    @Test
    void normalizeAnswerLowersDropsPunctuationAndArticles() {
        // "the cats hat an apple" after punctuation removal; both articles become spaces.
        assertEquals("cats hat apple", QaF1.normalizeAnswer("The Cat's hat, an apple!"));
        // Articles only between word boundaries: "theory", "another", "banana" keep theirs.
        assertEquals("theory another banana", QaF1.normalizeAnswer("theory another banana a"));
        // An accented letter is a word character for Python's \b, so "éa" keeps its "a".
        assertEquals("éa b", QaF1.normalizeAnswer("éa the b"));
        // Python's split() also splits on U+00A0 and U+3000; Java's isWhitespace does not.
        assertEquals("x y z", QaF1.normalizeAnswer("x\u00a0y\u3000z"));
    }

    @Test
    void removeArticlesTriesAThenAnThenTheWithoutOverlap() {
        assertEquals("   ", QaF1.removeArticles("a an"));
        assertEquals("  x  ", QaF1.removeArticles("the x the"));
        assertEquals("thea", QaF1.removeArticles("thea"));
    }

    @Test
    void f1CountsMultisetOverlap() {
        // pred [cat, sat], gt [cat, sat, down]: P = 1, R = 2/3, F1 = 0.8
        assertEquals(2 * 1.0 * (2.0 / 3) / (1.0 + 2.0 / 3), QaF1.qaF1("the cat sat", "a cat sat down"), 0.0);
        // Counter & takes the minimum count: pred has "a b b b", gt "b b": same = 2
        List<String> p = Arrays.asList("x", "b", "b", "b");
        List<String> g = Arrays.asList("b", "b");
        double precision = 2.0 / 4;
        double recall = 1.0;
        assertEquals((2 * precision * recall) / (precision + recall), QaF1.f1(p, g), 0.0);
        assertEquals(0.0, QaF1.qaF1("nothing here", "else"), 0.0);
        assertEquals(0.0, QaF1.qaF1("", ""), 0.0);
    }

    @Test
    void chineseF1NormalisesEachSegmentedToken() {
        // A fake segmenter that splits on '|': punctuation-only and blank tokens vanish after normalisation.
        ChineseSegmenter seg = t -> Arrays.asList(t.split("\\|", -1));
        assertEquals(1.0, QaF1.qaF1Zh("北京|，| |ABC", "北京|abc", seg), 0.0);
        // pred [北京, 上海], gt [北京]: P = 1/2, R = 1
        assertEquals(2 * 0.5 * 1.0 / 1.5, QaF1.qaF1Zh("北京|上海", "北京", seg), 0.0);
        // The official list has "》" but not "《": the opening bracket survives.
        assertEquals("《ab", QaF1.normalizeZhAnswer(" 《A」 b。》"));
    }
}
