package io.specprefill.udf.task;

import java.io.Serializable;

/**
 * Stage 1's output row (checkpointed under the output folder so a failed stage 2 does not redo
 * scoring): which prompt tokens the target will prefill, at which original positions.
 *
 * @param source        the input row (passthrough fields, per-row max_new_tokens)
 * @param keptIds       the K kept token ids, ascending original order (all N when speculation is off)
 * @param keptPositions their original indices in the prompt, ascending
 * @param promptTokens  N, the prompt length after tokenization (and truncation, if configured)
 *                      (also on an error row once the prompt was tokenized: an over-long prompt; else 0)
 * @param draftMs       wall time of the draft batch this row was scored in (prefill + look-ahead + scoring of
 *                      all its prompts); 0 without a draft
 * @param draftBatch    prompts in that draft batch (draftMs is the batch's time, shared by them); 0 when
 *                      no draft scored this row (speculation off, or an error)
 * @param error         why this row cannot be generated (empty prompt, too long, draft failure); null when fine
 */
public record ScoredPrompt(PromptRecord source, int[] keptIds, int[] keptPositions, int promptTokens,
                           double draftMs, int draftBatch, String error) implements StageRow, Serializable {
    private static final long serialVersionUID = 1L;

    /** A row no draft batch scored (draftBatch 0). */
    public ScoredPrompt(PromptRecord source, int[] keptIds, int[] keptPositions, int promptTokens, double draftMs,
                        String error) {
        this(source, keptIds, keptPositions, promptTokens, draftMs, 0, error);
    }

    public int keptTokens() {
        return keptIds == null ? 0 : keptIds.length;
    }

    @Override
    public int tokens() {
        return promptTokens;
    }
}
