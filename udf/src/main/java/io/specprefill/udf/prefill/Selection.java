package io.specprefill.udf.prefill;

import java.util.Arrays;

/**
 * design.md 4 steps 5-6: from importance s[0..N) to the ascending prompt indices the target prefills.
 * <ul>
 *   <li>Chunks (C &gt; 1): ceil(N/C) chunks, the last may be short; a chunk's score is the mean of its
 *       own tokens; keep the top ceil(p * chunks), equal scores broken by position (earlier wins).</li>
 *   <li>Tokens (C &lt;= 1): keep the top ceil(p * N) tokens, same tie rule.</li>
 *   <li>Then the first token and the last keepTail tokens are added where not already kept (the
 *       reference keeps neither, and loses chat-template closers). p &gt;= 1 keeps everything.</li>
 * </ul>
 * So K &lt;= ceil(p * chunks) * C + 1 + keepTail.
 */
public final class Selection {

    /**
     * Tolerance on p * count before the ceiling: p and count are exact, but their double product is
     * not (0.3 * 10 = 3.0000000000000004, which would keep 4 chunks of 10 instead of 3).
     */
    private static final double CEIL_SLACK = 1e-9;

    private Selection() {
    }

    /** ceil(p * count), at least 1, at most count; exact for p * count within 1e-9 of an integer. */
    public static int keepCount(double keep, int count) {
        if (count == 0) return 0;
        long k = (long) Math.ceil(keep * count - CEIL_SLACK);
        return (int) Math.max(1, Math.min(count, k));
    }

    /**
     * Kept indices, ascending. The settings come from a checked {@link PrefillParams} (p in (0, 1],
     * C &gt;= 0, keepTail &gt;= 0) and are not checked again; p = 1 keeps every chunk.
     *
     * @param s         importance [n] (at least n entries; only the first n are read)
     * @param n         N, prompt tokens
     * @param keep      p in (0, 1]
     * @param chunkSize C; 0 or 1 selects single tokens
     * @param keepTail  last tokens always kept (&gt;= 0)
     */
    public static int[] select(float[] s, int n, double keep, int chunkSize, int keepTail) {
        if (n < 0 || s.length < n) throw new IllegalArgumentException("importance has " + s.length + " entries, N=" + n);
        boolean[] kept = new boolean[n];
        int c = Math.max(1, chunkSize);
        int chunks = (n + c - 1) / c;
        double[] score = chunkScores(s, n, c, chunks);
        for (int chunk : topIndices(score, keepCount(keep, chunks))) {
            Arrays.fill(kept, chunk * c, Math.min(n, (chunk + 1) * c), true);
        }
        if (n > 0) kept[0] = true;
        for (int i = Math.max(0, n - keepTail); i < n; i++) kept[i] = true;
        return indicesOf(kept);
    }

    /** Mean of s over each chunk [i*C, min(N, (i+1)*C)), in double; NaN anywhere is an error. */
    public static double[] chunkScores(float[] s, int n, int c, int chunks) {
        double[] score = new double[chunks];
        for (int i = 0; i < chunks; i++) {
            int lo = i * c;
            int hi = Math.min(n, lo + c);
            double sum = 0;
            for (int j = lo; j < hi; j++) {
                if (Float.isNaN(s[j])) throw new IllegalStateException("importance s[" + j + "] is NaN (N=" + n + ")");
                sum += s[j];
            }
            score[i] = sum / (hi - lo);
        }
        return score;
    }

    /** The k indices of the largest scores; equal scores: the lower index first. */
    static int[] topIndices(double[] score, int k) {
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int byScore = Double.compare(score[b], score[a]);
            return byScore != 0 ? byScore : Integer.compare(a, b);
        });
        int[] top = new int[k];
        for (int i = 0; i < k; i++) top[i] = order[i];
        return top;
    }

    private static int[] indicesOf(boolean[] kept) {
        int count = 0;
        for (boolean b : kept) if (b) count++;
        int[] out = new int[count];
        int k = 0;
        for (int i = 0; i < kept.length; i++) if (kept[i]) out[k++] = i;
        return out;
    }

    /** ids[kept[j]] for each j: the kept token ids in ascending original order. */
    public static int[] gather(int[] ids, int[] kept) {
        int[] out = new int[kept.length];
        for (int j = 0; j < kept.length; j++) out[j] = ids[kept[j]];
        return out;
    }
}
