package io.specprefill.udf.prefill;

import java.io.Serializable;

/**
 * The algorithm's settings (design.md 4), checked here, once, where the record is built (the job
 * builds it when it reads its YAML config). {@link SpeculativePrefill} and {@link Selection} use it
 * as it is. Messages name the YAML keys.
 *
 * @param keep       p, the fraction of chunks kept, in (0, 1]; 1 keeps every token
 * @param chunkSize  C; 0 or 1 selects single tokens
 * @param poolKernel W, odd (an even W would change the pooled length)
 * @param lookahead  A &gt;= 1 (1: the last prompt token's query only)
 * @param keepTail   last prompt tokens always kept, &gt;= 0
 */
public record PrefillParams(double keep, int chunkSize, int poolKernel, int lookahead, int keepTail)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public PrefillParams {
        check(keep > 0 && keep <= 1, "keep", keep, "in (0, 1]");
        check(chunkSize >= 0, "chunk_size", chunkSize, ">= 0");
        check(poolKernel >= 1 && poolKernel % 2 == 1, "pool_kernel", poolKernel, "odd and >= 1");
        check(lookahead >= 1, "lookahead", lookahead, ">= 1");
        check(keepTail >= 0, "keep_tail", keepTail, ">= 0");
    }

    /** p = 1: every token is kept, so a draft would have nothing to choose. */
    public boolean keepsEverything() {
        return keep >= 1.0;
    }

    private static void check(boolean ok, String key, Object actual, String expected) {
        if (!ok) throw new IllegalArgumentException(key + "=" + actual + " must be " + expected);
    }
}
