package io.specprefill.udf.task;

import java.io.Serializable;

/**
 * Prompts per batch in each stage, checked here, once, where the record is built. Messages name the
 * YAML keys.
 *
 * @param draft  prompts scored together by the draft in stage 1, &gt;= 1
 * @param target prompts generated together by the target in stage 2, &gt;= 1
 */
public record BatchSizes(int draft, int target) implements Serializable {
    private static final long serialVersionUID = 1L;

    public BatchSizes {
        if (draft < 1) throw new IllegalArgumentException("draft_batch_size=" + draft + " must be >= 1");
        if (target < 1) throw new IllegalArgumentException("target_batch_size=" + target + " must be >= 1");
    }
}
