package io.specprefill.job.stage;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;

import io.specprefill.job.io.Schemas;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The job's stages, each a {@code Dataset<Row> -> Dataset<Row>} function (SPEC.md section 6):
 * {@code PROMPTS -> draftScoring -> SCORED -> balanceByKeptLength -> targetGeneration -> RESULTS}.
 */
public final class Stages {
    private Stages() {
    }

    /** Stage 1: tokenize, draft-score, select; partitions balanced by prompt length (characters stand for N). */
    public static Dataset<Row> draftScoring(Dataset<Row> prompts, StageSettings settings) {
        return balance(prompts, length(col("prompt")), settings.partitions())
                .mapPartitions(new DraftScoringPartition(settings), Encoders.row(Schemas.SCORED));
    }

    /** Between the stages: the target's work per row is about its K kept tokens. */
    public static Dataset<Row> balanceByKeptLength(Dataset<Row> scored, int partitions) {
        return balance(scored, col("kept_tokens"), partitions);
    }

    /** Stage 2: target prefill of the kept tokens at their positions, then decoding. */
    public static Dataset<Row> targetGeneration(Dataset<Row> balanced, StageSettings settings) {
        return balanced.mapPartitions(new TargetGenerationPartition(settings), Encoders.row(Schemas.RESULTS));
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
