package io.specprefill.udf.task;

import java.io.Serializable;
import java.util.Iterator;

/**
 * Stage 2 (SPEC.md 5) as a partition function: kept tokens in, generations out. Holds only
 * settings, so Spark can ship it; the target comes from the executor's {@link ModelCache}.
 */
public final class TargetGenerationTask implements Serializable {
    private static final long serialVersionUID = 1L;

    private final TaskSettings settings;

    /** Checks the settings' ranges (an error names the YAML key). */
    public TargetGenerationTask(TaskSettings settings) {
        TaskChecks.check(settings);
        this.settings = settings;
    }

    /**
     * Stage 2 over one partition: prefill the kept tokens at their original positions, then
     * generate. One result per input row, in input order; a row with an error (from stage 1, or its
     * own failure here) gets a result with that error, never an exception. The iterator is also
     * {@link AutoCloseable} (see {@link DraftScoringTask#run}).
     *
     * @param deviceOrdinal the GPU Spark assigned (-1: none; "cuda" then uses 0)
     * @param label         e.g. "stage2 partition 3/64", the prefix of this task's log lines
     */
    public Iterator<GenerationResult> run(Iterator<ScoredPrompt> rows, int deviceOrdinal, String label) {
        return new GenerationIterator(settings, rows, deviceOrdinal, label);
    }
}
