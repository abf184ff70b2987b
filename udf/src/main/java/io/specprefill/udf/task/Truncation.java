package io.specprefill.udf.task;

/**
 * LongBench's rule for over-long prompts: keep the first and the last max/2 tokens, drop the
 * middle (the question usually sits at one end, the document in between). Done on token ids, so
 * no re-tokenization shifts the boundary.
 */
public final class Truncation {

    private Truncation() {
    }

    /** ids unchanged when ids.length &lt;= max; else its first max/2 and last max/2 ids (2*(max/2) in all). */
    public static int[] middle(int[] ids, int max) {
        if (max < 2) throw new IllegalArgumentException("middle truncation needs a limit >= 2 tokens, got " + max);
        if (ids.length <= max) return ids;
        int half = max / 2;
        int[] out = new int[2 * half];
        System.arraycopy(ids, 0, out, 0, half);
        System.arraycopy(ids, ids.length - half, out, half, half);
        return out;
    }
}
