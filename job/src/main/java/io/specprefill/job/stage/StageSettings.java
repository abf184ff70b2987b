package io.specprefill.job.stage;

import io.specprefill.udf.task.TaskSettings;
import java.io.Serializable;
import org.apache.spark.util.LongAccumulator;

/**
 * What the stage functions send to executors: the task settings (paths and numbers only), the
 * local GPU count, and counters the driver reads after each stage.
 *
 * @param partitions the partitions of each stage (> 0)
 * @param rowsScored rows that went through {@code DraftScoringTask} (the job's resume test reads it)
 * @param rowsGenerated rows that went through {@code TargetGenerationTask}
 */
public record StageSettings(TaskSettings task, int localGpus, int partitions, LongAccumulator rowsScored,
                            LongAccumulator rowsGenerated) implements Serializable {
    private static final long serialVersionUID = 1L;
}
