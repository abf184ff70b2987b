package io.specprefill.job.io;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The job's three row shapes (design.md 6). {@code row_index} is the row's position in the
 * input: outputs are written in input order, and rows without an id are named after it.
 */
public final class Schemas {
    private Schemas() {
    }

    public static final String ROW_INDEX = "row_index";

    /** Readers' output: one {@code PromptRecord} per row; {@code read_error} when the row is unusable. */
    public static final StructType PROMPTS = struct(
            field(ROW_INDEX, LongType, false),
            field("id", StringType, false),
            field("prompt", StringType, true),
            field("dataset", StringType, true),
            field("answers", createArrayType(StringType, false), false),
            field("all_classes", createArrayType(StringType, false), false),
            field("length", IntegerType, false),
            field("max_new_tokens", IntegerType, false),
            field("read_error", StringType, true));

    /** Stage 1's checkpoint: the prompt's passthrough fields (not its text) and what the target prefills. */
    public static final StructType SCORED = struct(
            field(ROW_INDEX, LongType, false),
            field("id", StringType, false),
            field("dataset", StringType, true),
            field("answers", createArrayType(StringType, false), false),
            field("all_classes", createArrayType(StringType, false), false),
            field("length", IntegerType, false),
            field("max_new_tokens", IntegerType, false),
            field("kept_ids", createArrayType(IntegerType, false), true),
            field("kept_positions", createArrayType(IntegerType, false), true),
            field("prompt_tokens", IntegerType, false),
            field("kept_tokens", IntegerType, false),
            field("draft_ms", DoubleType, false),
            field("draft_batch", IntegerType, false),
            field("error", StringType, true));

    /** Stage 2's rows: the output columns (docs/job.md, "Output"), then the passthrough fields scorers read. */
    public static final StructType RESULTS = struct(
            field(ROW_INDEX, LongType, false),
            field("id", StringType, false),
            field("output_text", StringType, true),
            field("output_ids", createArrayType(IntegerType, false), true),
            field("prompt_tokens", IntegerType, false),
            field("kept_tokens", IntegerType, false),
            field("keep_ratio", DoubleType, false),
            field("draft_ms", DoubleType, false),
            field("prefill_ms", DoubleType, false),
            field("ttft_ms", DoubleType, false),
            field("decode_ms", DoubleType, false),
            field("draft_batch", IntegerType, false),
            field("target_batch", IntegerType, false),
            field("error", StringType, true),
            field("dataset", StringType, true),
            field("answers", createArrayType(StringType, false), false),
            field("all_classes", createArrayType(StringType, false), false),
            field("length", IntegerType, false));

    /** What the writers write: {@link #RESULTS} without the row index (rows are in input order). */
    public static final StructType OUTPUT = drop(RESULTS, ROW_INDEX);

    private static StructField field(String name, DataType type, boolean nullable) {
        return new StructField(name, type, nullable, Metadata.empty());
    }

    private static StructType struct(StructField... fields) {
        return new StructType(fields);
    }

    private static StructType drop(StructType schema, String name) {
        return new StructType(java.util.Arrays.stream(schema.fields()).filter(f -> !f.name().equals(name))
                .toArray(StructField[]::new));
    }
}
