package io.specprefill.udf.task;

import java.io.Serializable;
import java.util.List;

/**
 * One input row, as the job's readers produce it from JSONL, Parquet or Arrow, before tokenization.
 * The passthrough fields (answers, classes, length, dataset) travel to the output so that LongBench
 * and RULER rows can be scored from the job's output alone.
 *
 * @param id           the row's id ({@code id} or LongBench's {@code _id}); never null (readers invent
 *                     {@code row-<n>} for a missing one)
 * @param prompt       the full prompt text (template already applied), null when the row is unusable
 * @param dataset      LongBench dataset / RULER task name, may be null
 * @param answers      reference answers, may be empty
 * @param allClasses   LongBench {@code all_classes}, may be empty
 * @param length       LongBench {@code length} (words), -1 when absent
 * @param maxNewTokens per-row generation limit, -1 for the configured default
 * @param error        a reader error for this row (bad JSON, missing field); null when fine
 */
public record PromptRecord(String id, String prompt, String dataset, List<String> answers, List<String> allClasses,
                           int length, int maxNewTokens, String error) implements Serializable {
    private static final long serialVersionUID = 1L;

    public PromptRecord {
        answers = answers == null ? List.of() : List.copyOf(answers);
        allClasses = allClasses == null ? List.of() : List.copyOf(allClasses);
    }
}
