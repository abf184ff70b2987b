package io.specprefill.job.stage;

import io.specprefill.job.io.RowCodec;
import io.specprefill.job.io.Rows;
import io.specprefill.udf.task.GenerationResult;
import io.specprefill.udf.task.ScoredPrompt;
import io.specprefill.udf.task.TargetGenerationTask;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/** Stage 2 over one partition: {@code SCORED} rows in, {@code RESULTS} rows out (SPEC.md section 5). */
final class TargetGenerationPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final StageSettings settings;

    TargetGenerationPartition(StageSettings settings) {
        this.settings = settings;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext context = TaskContext.get();
        int device = DeviceAssignment.ordinal(context, settings.task().backend(), settings.localGpus());
        String label = "stage 2 partition " + context.partitionId() + "/" + context.numPartitions();
        TargetGenerationTask task = new TargetGenerationTask(settings.task());
        TaskFeed<ScoredPrompt, GenerationResult> feed = new TaskFeed<>(rows, label) {
            @Override
            ScoredPrompt decode(Row row) {
                return row.getAs("error") == null ? RowCodec.scoredPrompt(row) : null;
            }

            @Override
            Row bypass(Row row) {
                return RowCodec.failedResultRow(row);
            }

            @Override
            String id(GenerationResult out) {
                return out.source().id();
            }

            @Override
            Row encode(long rowIndex, GenerationResult out) {
                settings.rowsGenerated().add(1);
                return RowCodec.resultRow(rowIndex, out);
            }

            @Override
            Iterator<GenerationResult> run(Iterator<ScoredPrompt> usable) {
                return task.run(usable, device, label);
            }
        };
        return new PartitionProgress(feed, label, row -> {
            List<Integer> ids = Rows.list(row, "output_ids");
            return row.<Integer>getAs("kept_tokens") + (ids == null ? 0 : ids.size());
        });
    }
}
