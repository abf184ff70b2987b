package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected values are what Python 3's difflib returns for the same inputs. */
class SequenceMatcherTest {
    @Test
    void smallRatiosByHand() {
        assertEquals(0.75, new SequenceMatcher("abcd", "bcde").ratio(), 0.0); // "bcd": 2*3/8
        assertEquals(1.0, new SequenceMatcher("", "").ratio(), 0.0);
        assertEquals(0.0, new SequenceMatcher("abc", "").ratio(), 0.0);
    }

    @Test
    void matchesPythonOnCodeLines() {
        SequenceMatcher m = new SequenceMatcher("private Thread currentThread;", "private volatile Thread currentThread;");
        assertEquals(0.8656716417910447, m.ratio(), 0.0);
        assertEquals(List.of(new SequenceMatcher.Match(0, 0, 6), new SequenceMatcher.Match(6, 15, 23)),
                m.matchingBlocks());
        SequenceMatcher n = new SequenceMatcher("        return self.conn.execute(sql)",
                "return self.conn.execute(query, params)");
        assertEquals(0.7105263157894737, n.ratio(), 0.0);
        assertEquals(List.of(new SequenceMatcher.Match(8, 0, 25), new SequenceMatcher.Match(33, 37, 1),
                new SequenceMatcher.Match(36, 38, 1)), n.matchingBlocks());
    }

    @Test
    void popularElementsStillExtendMatches() {
        // len(b) = 200: 'a' occurs 200 > 3 times, so it leaves b2j, but the extension step
        // (no junk with isjunk=None) still grows the empty match over equal elements: M = 10.
        assertEquals(20.0 / 210, new SequenceMatcher("a".repeat(10), "a".repeat(200)).ratio(), 0.0);
    }

    @Test
    void autojunkChangesTheResultAsInPython() {
        String a = "f gebda fbdab";
        String b = "aa   aa  a gacaa   a  a bba a bbabbb  bb ab    b b ababbbbbbbdaa bb a c bb aaaa agaabbbfba  a  "
                + "abcbaa aababaeab eaab beaada  baacba e a  aaaaabbae   aaaabab aaba a g  babdabab aaeadab a bbb  bbaacbaa ";
        assertEquals(200, b.length());
        // Python: 0.028169014084507043 with autojunk (the default), 0.10328638497652583 without.
        assertEquals(0.028169014084507043, new SequenceMatcher(a, b).ratio(), 0.0);
        assertEquals(List.of(new SequenceMatcher.Match(0, 87, 1), new SequenceMatcher.Match(1, 163, 2)),
                new SequenceMatcher(a, b).matchingBlocks());
    }

    @Test
    void countsCodePointsNotUtf16Units() {
        // One supplementary character each side: len 1 + 1 in Python, M = 1 -> ratio 1.0.
        assertEquals(1.0, new SequenceMatcher("\uD83D\uDE00", "\uD83D\uDE00").ratio(), 0.0);
        assertEquals(2.0 / 3, new SequenceMatcher("\uD83D\uDE00", "\uD83D\uDE00x").ratio(), 0.0);
    }
}
