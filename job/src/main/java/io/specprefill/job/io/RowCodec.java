package io.specprefill.job.io;

import io.specprefill.udf.task.GenerationResult;
import io.specprefill.udf.task.PromptRecord;
import io.specprefill.udf.task.ScoredPrompt;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;

/**
 * Spark rows of {@link Schemas} to and from the task records of {@code io.specprefill.udf.task}.
 * Rows carry {@code row_index}; records do not, so every conversion to a row takes it.
 */
public final class RowCodec {
    private RowCodec() {
    }

    /** A {@link Schemas#PROMPTS} row. */
    public static Row promptRow(long rowIndex, PromptRecord r) {
        return row(Schemas.PROMPTS, rowIndex, r.id(), r.prompt(), r.dataset(), Rows.seq(r.answers()),
                Rows.seq(r.allClasses()), r.length(), r.maxNewTokens(), r.error());
    }

    public static PromptRecord promptRecord(Row row) {
        return new PromptRecord(row.getAs("id"), row.getAs("prompt"), row.getAs("dataset"), strings(row, "answers"),
                strings(row, "all_classes"), row.getAs("length"), row.getAs("max_new_tokens"), row.getAs("read_error"));
    }

    /** A {@link Schemas#SCORED} row; the prompt text is dropped (stage 2 needs only the kept ids). */
    public static Row scoredRow(long rowIndex, ScoredPrompt s) {
        PromptRecord r = s.source();
        String error = s.error() != null ? s.error() : r.error();
        return row(Schemas.SCORED, rowIndex, r.id(), r.dataset(), Rows.seq(r.answers()), Rows.seq(r.allClasses()),
                r.length(), r.maxNewTokens(), boxed(s.keptIds()), boxed(s.keptPositions()), s.promptTokens(), s.keptTokens(),
                s.draftMs(), s.draftBatch(), error);
    }

    /** The record stage 2 gets from a checkpointed row: its source has no prompt text. */
    public static ScoredPrompt scoredPrompt(Row row) {
        PromptRecord source = new PromptRecord(row.getAs("id"), null, row.getAs("dataset"), strings(row, "answers"),
                strings(row, "all_classes"), row.getAs("length"), row.getAs("max_new_tokens"), null);
        return new ScoredPrompt(source, unboxed(row, "kept_ids"), unboxed(row, "kept_positions"),
                row.getAs("prompt_tokens"), row.getAs("draft_ms"), row.getAs("draft_batch"), row.getAs("error"));
    }

    /** A {@link Schemas#RESULTS} row. */
    public static Row resultRow(long rowIndex, GenerationResult g) {
        PromptRecord r = g.source();
        String error = g.error() != null ? g.error() : r.error();
        return row(Schemas.RESULTS, rowIndex, r.id(), g.outputText(), boxed(g.outputIds()), g.promptTokens(),
                g.keptTokens(), g.keepRatio(), g.draftMs(), g.prefillMs(), g.ttftMs(), g.decodeMs(), g.draftBatch(),
                g.targetBatch(), error,
                r.dataset(), Rows.seq(r.answers()), Rows.seq(r.allClasses()), r.length());
    }

    /** A stage-1 row that failed before stage 2 (or whose source was unusable) as an output row. */
    public static Row failedResultRow(Row scored) {
        return row(Schemas.RESULTS, scored.getAs(Schemas.ROW_INDEX), scored.getAs("id"), null, null,
                scored.getAs("prompt_tokens"), scored.getAs("kept_tokens"), keepRatio(scored), scored.getAs("draft_ms"),
                0.0, 0.0, 0.0, scored.getAs("draft_batch"), 0, scored.getAs("error"), scored.getAs("dataset"), Rows.seq(strings(scored, "answers")),
                Rows.seq(strings(scored, "all_classes")),
                scored.getAs("length"));
    }

    /** Rows with their schema, so that fields can be read by name before Spark encodes them. */
    private static Row row(StructType schema, Object... values) {
        return new GenericRowWithSchema(values, schema);
    }

    private static double keepRatio(Row scored) {
        int n = scored.getAs("prompt_tokens");
        int k = scored.getAs("kept_tokens");
        return n == 0 ? 0.0 : (double) k / n;
    }

    static List<String> strings(Row row, String field) {
        List<String> values = Rows.list(row, field);
        return values == null ? List.of() : values;
    }

    static scala.collection.immutable.Seq<Integer> boxed(int[] values) {
        if (values == null) {
            return null;
        }
        List<Integer> out = new ArrayList<>(values.length);
        for (int v : values) {
            out.add(v);
        }
        return Rows.seq(out);
    }

    static int[] unboxed(Row row, String field) {
        List<Integer> values = Rows.list(row, field);
        if (values == null) {
            return null;
        }
        int[] out = new int[values.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = values.get(j);
        }
        return out;
    }
}
