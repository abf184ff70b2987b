package io.specprefill.job.stage;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;

import io.specprefill.job.io.RowCodec;
import io.specprefill.job.io.Schemas;
import io.specprefill.udf.task.GenerationIterator;
import io.specprefill.udf.task.GenerationResult;
import io.specprefill.udf.task.PromptRecord;
import io.specprefill.udf.task.ScoredPrompt;
import io.specprefill.udf.task.ScoringIterator;
import io.specprefill.udf.task.TaskSettings;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * The job's stages, each a {@code Dataset<Row> -> Dataset<Row>} function (design.md 6):
 * {@code PROMPTS -> draftScoring -> SCORED -> balanceByKeptLength -> targetGeneration -> RESULTS}.
 * Each stage is one {@link StagePartition}: its codec (rows to records and back) and its iterator,
 * which gets the {@link TaskSettings} exactly as the driver built them.
 */
public final class Stages {
    private Stages() {
    }

    /**
     * Stage 1: tokenize, draft-score, select; partitions balanced by prompt length (characters stand for N).
     *
     * @param localGpus GPUs a local-mode task picks from ({@link DeviceAssignment})
     * @param scored    counts the rows that went through the draft scoring iterator
     */
    public static Dataset<Row> draftScoring(Dataset<Row> prompts, TaskSettings task, int partitions, int localGpus,
                                            LongAccumulator scored) {
        StagePartition<PromptRecord, ScoredPrompt> stage = new StagePartition<>("stage 1", new ScoringCodec(),
                (records, device, label) -> new ScoringIterator(task, records, device, label), task.backend(),
                localGpus, scored);
        return balance(prompts, length(col("prompt")), partitions).mapPartitions(stage, Encoders.row(Schemas.SCORED));
    }

    /** Between the stages: the target's work per row is about its K kept tokens. */
    public static Dataset<Row> balanceByKeptLength(Dataset<Row> scored, int partitions) {
        return balance(scored, col("kept_tokens"), partitions);
    }

    /** Stage 2: target prefill of the kept tokens at their positions, then decoding. */
    public static Dataset<Row> targetGeneration(Dataset<Row> balanced, TaskSettings task, int localGpus,
                                                LongAccumulator generated) {
        StagePartition<ScoredPrompt, GenerationResult> stage = new StagePartition<>("stage 2", new GenerationCodec(),
                (records, device, label) -> new GenerationIterator(task, records, device, label), task.backend(),
                localGpus, generated);
        return balanced.mapPartitions(stage, Encoders.row(Schemas.RESULTS));
    }

    /** Stage 1's rows: PROMPTS in (a reader error bypasses), SCORED out. */
    private static final class ScoringCodec implements StagePartition.Codec<PromptRecord, ScoredPrompt> {
        private static final long serialVersionUID = 1L;

        @Override
        public PromptRecord decode(Row row) {
            return row.getAs("read_error") == null ? RowCodec.promptRecord(row) : null;
        }

        @Override
        public Row bypass(Row row) {
            PromptRecord source = RowCodec.promptRecord(row);
            return RowCodec.scoredRow(row.getAs(Schemas.ROW_INDEX),
                    new ScoredPrompt(source, null, null, 0, 0.0, source.error()));
        }

        @Override
        public Row encode(long rowIndex, ScoredPrompt out) {
            return RowCodec.scoredRow(rowIndex, out);
        }
    }

    /** Stage 2's rows: SCORED in (a stage-1 error bypasses), RESULTS out. */
    private static final class GenerationCodec implements StagePartition.Codec<ScoredPrompt, GenerationResult> {
        private static final long serialVersionUID = 1L;

        @Override
        public ScoredPrompt decode(Row row) {
            return row.getAs("error") == null ? RowCodec.scoredPrompt(row) : null;
        }

        @Override
        public Row bypass(Row row) {
            return RowCodec.failedResultRow(row);
        }

        @Override
        public Row encode(long rowIndex, GenerationResult out) {
            return RowCodec.resultRow(rowIndex, out);
        }
    }

    /**
     * Spreads rows over {@code n} partitions so that each gets about the same total {@code work}:
     * rows sorted by work, longest first, are dealt out in snake order (0..n-1, n-1..0, ...), so
     * partition totals differ by at most about one row's work. Inside a partition rows stay sorted
     * longest first, so the tasks' batches hold prompts of similar length.
     */
    static Dataset<Row> balance(Dataset<Row> rows, Column work, int n) {
        JavaRDD<Row> dealt = rows.orderBy(work.desc_nulls_last(), col(Schemas.ROW_INDEX)).javaRDD().zipWithIndex()
                .mapToPair(r -> new Tuple2<>(snake(r._2(), n), r._1()))
                .partitionBy(new HashPartitioner(n))
                .values();
        return rows.sparkSession().createDataFrame(dealt, rows.schema())
                .sortWithinPartitions(work.desc_nulls_last(), col(Schemas.ROW_INDEX));
    }

    /** The partition of the {@code rank}-th longest row: 0, 1, .., n-1, n-1, .., 0, 0, 1, ... */
    static int snake(long rank, int n) {
        int pos = (int) (rank % n);
        return (rank / n) % 2 == 0 ? pos : n - 1 - pos;
    }
}
