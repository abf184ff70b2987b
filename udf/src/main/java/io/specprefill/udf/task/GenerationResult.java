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
 * @param draftMs      stage 1's time: of the draft batch this row was scored in ({@code draftBatch} prompts)
 * @param prefillMs    the target's prefill of the target batch this row was generated in ({@code targetBatch}
 *                     prompts, their K kept tokens each)
 * @param ttftMs       time to first token: draftMs + the target batch's prefill + its first sampled token
 * @param decodeMs     time of this row's remaining decode steps (its batch decodes together)
 * @param draftBatch   prompts in the draft batch (0: no draft scored this row)
 * @param targetBatch  prompts in the target batch (0: the row was not generated)
 * @param error        null when fine
 */
public record GenerationResult(PromptRecord source, String outputText, int[] outputIds, int promptTokens,
                               int keptTokens, double keepRatio, double draftMs, double prefillMs, double ttftMs,
                               double decodeMs, int draftBatch, int targetBatch, String error)
        implements StageRow, Serializable {
    private static final long serialVersionUID = 1L;

    /** A result without batch sizes (draftBatch and targetBatch 0). */
    public GenerationResult(PromptRecord source, String outputText, int[] outputIds, int promptTokens, int keptTokens,
                            double keepRatio, double draftMs, double prefillMs, double ttftMs, double decodeMs,
                            String error) {
        this(source, outputText, outputIds, promptTokens, keptTokens, keepRatio, draftMs, prefillMs, ttftMs, decodeMs,
                0, 0, error);
    }

    @Override
    public int tokens() {
        return keptTokens + (outputIds == null ? 0 : outputIds.length);
    }
}
