package io.specprefill.udf.task;

import java.io.Serializable;
import java.util.Iterator;

/**
 * Stage 1 (SPEC.md 4) as a partition function: prompts in, kept tokens out. Holds only settings
 * (paths and numbers), so Spark can ship it; models come from the executor's {@link ModelCache}.
 */
public final class DraftScoringTask implements Serializable {
    private static final long serialVersionUID = 1L;

    private final TaskSettings settings;

    /** Checks the settings' ranges (an error names the YAML key). */
    public DraftScoringTask(TaskSettings settings) {
        TaskChecks.check(settings);
        this.settings = settings;
    }

    /**
     * Stage 1 over one partition: tokenize (chat template / truncation as configured), draft-score,
     * select. Never throws for a bad row: the row gets {@link ScoredPrompt#error()}. Rows come out in
     * input order, one per input row. The iterator is also {@link AutoCloseable}: it frees its
     * per-task state when the input ends; a caller that stops early should close it.
     *
     * @param deviceOrdinal the GPU Spark assigned (-1: none; "cuda" then uses 0)
     * @param label         e.g. "stage1 partition 3/64", the prefix of this task's log lines
     */
    public Iterator<ScoredPrompt> run(Iterator<PromptRecord> rows, int deviceOrdinal, String label) {
        return new ScoringIterator(settings, rows, deviceOrdinal, label);
    }
}
