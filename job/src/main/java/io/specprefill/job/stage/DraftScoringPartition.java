package io.specprefill.job.stage;

import io.specprefill.job.io.RowCodec;
import io.specprefill.udf.task.DraftScoringTask;
import io.specprefill.udf.task.PromptRecord;
import io.specprefill.udf.task.ScoredPrompt;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/** Stage 1 over one partition: {@code PROMPTS} rows in, {@code SCORED} rows out (SPEC.md section 4). */
final class DraftScoringPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final StageSettings settings;

    DraftScoringPartition(StageSettings settings) {
        this.settings = settings;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext context = TaskContext.get();
        int device = DeviceAssignment.ordinal(context, settings.task().backend(), settings.localGpus());
        String label = "stage 1 partition " + context.partitionId() + "/" + context.numPartitions();
        DraftScoringTask task = new DraftScoringTask(settings.task());
        TaskFeed<PromptRecord, ScoredPrompt> feed = new TaskFeed<>(rows, label) {
            @Override
            PromptRecord decode(Row row) {
                return row.getAs("read_error") == null ? RowCodec.promptRecord(row) : null;
            }

            @Override
            Row bypass(Row row) {
                PromptRecord source = RowCodec.promptRecord(row);
                return RowCodec.scoredRow(row.getAs("row_index"), new ScoredPrompt(source, null, null, 0, 0.0,
                        source.error()));
            }

            @Override
            String id(ScoredPrompt out) {
                return out.source().id();
            }

            @Override
            Row encode(long rowIndex, ScoredPrompt out) {
                settings.rowsScored().add(1);
                return RowCodec.scoredRow(rowIndex, out);
            }

            @Override
            Iterator<ScoredPrompt> run(Iterator<PromptRecord> usable) {
                return task.run(usable, device, label);
            }
        };
        return new PartitionProgress(feed, label, row -> row.<Integer>getAs("prompt_tokens"));
    }
}
