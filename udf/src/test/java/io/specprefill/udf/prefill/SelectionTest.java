package io.specprefill.udf.prefill;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelectionTest {

    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }

    private static int[] concat(int[]... parts) {
        return IntStream.concat(IntStream.of(), java.util.Arrays.stream(parts).flatMapToInt(IntStream::of)).toArray();
    }

    @Test
    void keepsTheBestChunksInAscendingOrder() {
        // N=12, C=4: chunks {0..3}, {4..7}, {8..11} with means 1, 5, 3; p=0.5 keeps ceil(1.5)=2 chunks,
        // then the forced first token
        float[] s = {1, 1, 1, 1, 5, 5, 5, 5, 3, 3, 3, 3};
        assertArrayEquals(concat(new int[]{0}, range(4, 12)), Selection.select(s, 12, 0.5, 4, 0));
    }

    @Test
    void shortLastChunkIsScoredByItsOwnMean() {
        // N=10, C=4: chunks {0..3} mean 1, {4..7} mean 2, {8,9} mean 3 (sum 6 over 2 tokens, not over 4)
        float[] s = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3};
        assertArrayEquals(new int[]{0, 8, 9}, Selection.select(s, 10, 0.1, 4, 0));
    }

    @Test
    void ceilRoundsUpAndIsExactOnProductsThatDoublesOvershoot() {
        assertEquals(1, Selection.keepCount(0.1, 3));   // 0.3 -> 1
        assertEquals(2, Selection.keepCount(0.5, 3));   // 1.5 -> 2
        assertEquals(3, Selection.keepCount(0.3, 10));  // 0.3*10 = 3.0000000000000004 in double: still 3
        assertEquals(3, Selection.keepCount(0.1, 30));  // 3.0000000000000004 again
        assertEquals(7, Selection.keepCount(0.7, 10));  // 7.000000000000001
        assertEquals(4, Selection.keepCount(0.31, 10)); // 3.1 -> 4
        assertEquals(1, Selection.keepCount(1e-12, 5)); // p > 0 keeps at least one
        assertEquals(5, Selection.keepCount(1.0, 5));
    }

    @Test
    void equalScoresKeepTheEarlierChunk() {
        float[] s = {2, 2, 0, 0, 2, 2, 2, 2};
        // C=2: means 2, 0, 2, 2; keep ceil(0.5*4)=2: chunks 0 and 2 (2 and 3 tie; 2 is earlier)
        assertArrayEquals(new int[]{0, 1, 4, 5}, Selection.select(s, 8, 0.5, 2, 0));
    }

    @Test
    void tokenModeKeepsTopCeilPNTokensWithPositionTieBreak() {
        float[] s = {0.1f, 0.4f, 0.4f, 0.2f, 0.4f};
        // C=1: ceil(0.4*5)=2 tokens; three tie at 0.4, positions 1 and 2 win
        // plus the forced first token (keep_tail 0)
        assertArrayEquals(new int[]{0, 1, 2}, Selection.select(s, 5, 0.4, 1, 0));
        assertArrayEquals(Selection.select(s, 5, 0.4, 1, 0), Selection.select(s, 5, 0.4, 0, 0));
    }

    @Test
    void firstTokenAndTailAreForceKept() {
        float[] s = new float[20];
        s[10] = 1f;
        // C=4: chunk 2 {8..11} is best; p=0.2 keeps ceil(1)=1 chunk; plus token 0 and the last 3
        int[] kept = Selection.select(s, 20, 0.2, 4, 3);
        assertArrayEquals(concat(new int[]{0}, range(8, 12), range(17, 20)), kept);
        assertTrue(kept.length <= 1 * 4 + 1 + 3);
    }

    @Test
    void forcedTokensAlreadyKeptAreNotDuplicated() {
        float[] s = {9, 9, 0, 0, 0, 0, 1, 1};
        // C=2, p=0.25 keeps chunk 0 {0,1}, which already holds the first token; tail 1 adds 7 only
        assertArrayEquals(new int[]{0, 1, 7}, Selection.select(s, 8, 0.25, 2, 1));
    }

    @Test
    void keepOneKeepsEverythingWhateverTheScores() {
        float[] s = {0, 0, 0, 0, 0};
        assertArrayEquals(range(0, 5), Selection.select(s, 5, 1.0, 2, 0));
        assertArrayEquals(range(0, 5), Selection.select(s, 5, 1.0, 0, 0));
    }

    @Test
    void tinyKeepLeavesOnlyTheForcedTokensBesideOneChunk() {
        // 100 tokens, C=10, p=0.001 keeps ceil(0.01) = 1 chunk; the best one is the last, which the tail covers
        float[] s = new float[100];
        for (int i = 90; i < 100; i++) s[i] = 1f;
        assertArrayEquals(concat(new int[]{0}, range(90, 100)), Selection.select(s, 100, 0.001, 10, 10));
        // token mode, one token: the best one is token 0, so only the forced ones remain
        float[] t = new float[50];
        t[0] = 1f;
        assertArrayEquals(concat(new int[]{0}, range(45, 50)), Selection.select(t, 50, 0.001, 1, 5));
    }

    @Test
    void boundHoldsOverManyShapes() {
        java.util.Random r = new java.util.Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(300);
            int c = r.nextInt(40);
            int tail = r.nextInt(40);
            double p = 0.01 + 0.98 * r.nextDouble();
            float[] s = new float[n];
            for (int i = 0; i < n; i++) s[i] = r.nextFloat();
            int[] kept = Selection.select(s, n, p, c, tail);
            int chunks = (n + Math.max(1, c) - 1) / Math.max(1, c);
            assertTrue(kept.length <= Selection.keepCount(p, chunks) * Math.max(1, c) + 1 + tail,
                    "n=" + n + " C=" + c + " tail=" + tail + " p=" + p + " K=" + kept.length);
            for (int j = 1; j < kept.length; j++) assertTrue(kept[j] > kept[j - 1], "ascending");
            assertEquals(0, kept[0]);
            if (tail > 0) assertEquals(n - 1, kept[kept.length - 1]);
        }
    }

    @Test
    void nanImportanceAndShortScoresAreErrors() {
        assertThrows(IllegalStateException.class, () -> Selection.select(new float[]{0, Float.NaN}, 2, 0.5, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Selection.select(new float[2], 3, 0.5, 1, 0));
    }

    @Test
    void theParamsRecordChecksEachSettingOnceNamingTheKey() {
        assertEquals("keep=0.0 must be in (0, 1]",
                assertThrows(IllegalArgumentException.class, () -> new PrefillParams(0, 32, 13, 8, 32)).getMessage());
        assertEquals("keep=1.5 must be in (0, 1]",
                assertThrows(IllegalArgumentException.class, () -> new PrefillParams(1.5, 32, 13, 8, 32)).getMessage());
        assertEquals("chunk_size=-1 must be >= 0",
                assertThrows(IllegalArgumentException.class, () -> new PrefillParams(0.1, -1, 13, 8, 32)).getMessage());
        assertEquals("pool_kernel=4 must be odd and >= 1",
                assertThrows(IllegalArgumentException.class, () -> new PrefillParams(0.1, 32, 4, 8, 32)).getMessage());
        assertEquals("lookahead=0 must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> new PrefillParams(0.1, 32, 13, 0, 32)).getMessage());
        assertEquals("keep_tail=-2 must be >= 0",
                assertThrows(IllegalArgumentException.class, () -> new PrefillParams(0.1, 32, 13, 8, -2)).getMessage());
        assertTrue(new PrefillParams(1.0, 32, 13, 8, 32).keepsEverything());
    }

    @Test
    void emptyPromptKeepsNothing() {
        assertEquals(0, Selection.select(new float[0], 0, 0.5, 4, 4).length);
    }

    @Test
    void gatherPicksIdsInOrder() {
        assertArrayEquals(new int[]{10, 13}, Selection.gather(new int[]{10, 11, 12, 13}, new int[]{0, 3}));
    }
}
