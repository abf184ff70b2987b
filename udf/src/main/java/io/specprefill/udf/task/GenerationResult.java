package io.specprefill.udf.task;

import java.io.Serializable;

/**
 * Stage 2's output row: one per input prompt, errors included (design.md 6).
 *
 * @param source       the input row (id and passthrough fields)
 * @param outputText   decoded generation (special tokens skipped), null on error
 * @param outputIds    generated ids, stop token excluded, null on error
 * @param promptTokens N
 * @param keptTokens   K
 * @param keepRatio    K / N
 * @param draftMs      stage 1 draft time
 * @param prefillMs    target prefill time of the K kept tokens
 * @param ttftMs       time to first token: draft + target prefill + first sampled token
 * @param decodeMs     time of the remaining decode steps
 * @param error        null when fine
 */
public record GenerationResult(PromptRecord source, String outputText, int[] outputIds, int promptTokens,
                               int keptTokens, double keepRatio, double draftMs, double prefillMs, double ttftMs,
                               double decodeMs, String error) implements StageRow, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int tokens() {
        return keptTokens + (outputIds == null ? 0 : outputIds.length);
    }
}
