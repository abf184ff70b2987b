package io.specprefill.udf.task;

import io.specprefill.udf.tokenizer.ChatTemplate;
import io.specprefill.udf.tokenizer.Tokenizer;

/**
 * Stage 1's first step for one row: the prompt's ids (chat template applied when configured),
 * within the token limit. A row that cannot be used gets an error instead of ids, never an exception.
 *
 * <p>Over-long prompts: with {@code truncateMiddle} the first and last limit/2 ids of the templated
 * prompt are kept (LongBench's rule, on ids so the template's header and the assistant turn, both at
 * the ends, survive); otherwise the row gets an error naming both lengths.
 */
final class PromptTokens {

    /**
     * ids (null on error), and the error (null when fine); truncatedFrom is N before truncation, else -1;
     * tokens is N, also for an error once the prompt was tokenized (an over-long prompt), else 0.
     */
    record Result(int[] ids, int truncatedFrom, String error, int tokens) {
        Result(int[] ids, int truncatedFrom) {
            this(ids, truncatedFrom, null, ids.length);
        }

        static Result error(String message) {
            return new Result(null, -1, message, 0);
        }
    }

    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final boolean truncateMiddle;

    PromptTokens(Tokenizer tokenizer, ChatTemplate template, boolean truncateMiddle) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.truncateMiddle = truncateMiddle;
    }

    /** @param limit the most prompt tokens this row may have (target positions minus its new tokens) */
    Result prepare(PromptRecord row, int limit) {
        if (row.error() != null) return Result.error(row.error());
        if (row.prompt() == null) return Result.error("missing prompt");
        if (row.prompt().isBlank()) return Result.error("empty prompt");
        if (limit < 2) {
            return Result.error("no room for a prompt: the token limit is " + limit
                    + " (target max_position_embeddings minus max_new_tokens)");
        }
        int[] ids;
        try {
            ids = template.encode(tokenizer, row.prompt());
        } catch (RuntimeException e) {
            return Result.error("tokenization failed: " + e);
        }
        if (ids.length <= limit) return new Result(ids, -1);
        if (!truncateMiddle) {
            return new Result(null, -1, "prompt has " + ids.length + " tokens, more than the limit " + limit
                    + " (set truncate_middle to keep its first and last halves)", ids.length);
        }
        return new Result(Truncation.middle(ids, limit), ids.length);
    }
}
