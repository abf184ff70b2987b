package io.specprefill.job.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads the job's input as {@link Schemas#PROMPTS} rows: JSONL (LongBench's own rows, or
 * {@code id} + {@code prompt}), Parquet, or Arrow IPC; a file or a folder of such files. Every
 * input row becomes one output row: a row that cannot be used carries {@code read_error}, and so
 * does each row whose id another row has too, unless duplicates are allowed
 * ({@link #markDuplicateIds}).
 */
public final class InputReader {
    private InputReader() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The input's rows, duplicate ids marked as errors. */
    public static Dataset<Row> read(SparkSession spark, Path input, String format, PromptBuilder prompts) {
        return read(spark, input, format, prompts, false);
    }

    /** The input's rows; with {@code allowDuplicateIds} false, rows that share an id get an error each. */
    public static Dataset<Row> read(SparkSession spark, Path input, String format, PromptBuilder prompts,
                                    boolean allowDuplicateIds) {
        String resolved = format.equals("auto") ? detectFormat(input) : format;
        Dataset<Row> rows = switch (resolved) {
            case "jsonl" -> jsonl(spark, input, prompts);
            case "parquet" -> parquet(spark, input, prompts);
            case "arrow" -> arrow(spark, input, prompts);
            default -> throw new IllegalArgumentException("--input-format " + resolved + ": not one of jsonl, parquet, arrow");
        };
        return allowDuplicateIds ? rows : markDuplicateIds(rows);
    }

    /**
     * Gives every row whose id is not unique an error (unless it has one already), naming how many rows
     * share the id and the first of them: two output rows with one id cannot be told apart, and a
     * duplicated id usually means the input was concatenated twice. Only the ids are shuffled; the
     * (few) duplicated ones are broadcast back to the rows.
     */
    public static Dataset<Row> markDuplicateIds(Dataset<Row> rows) {
        Dataset<Row> shared = rows.groupBy("id").agg(count(lit(1)).as("_rows"), min(col(Schemas.ROW_INDEX)).as("_first"))
                .where(col("_rows").gt(1));
        Column error = concat(lit("input row "), col(Schemas.ROW_INDEX), lit(" (id "), col("id"),
                lit("): id is not unique: "), col("_rows"), lit(" input rows have it (the first is input row "),
                col("_first"), lit("); give each row its own id, or set allow_duplicate_ids: true"));
        Column[] columns = Arrays.stream(Schemas.PROMPTS.fieldNames())
                .map(name -> name.equals("read_error")
                        ? when(col("read_error").isNull().and(col("_rows").isNotNull()), error)
                        .otherwise(col("read_error")).as("read_error")
                        : col(name))
                .toArray(Column[]::new);
        return rows.join(broadcast(shared), "id", "left_outer").select(columns);
    }

    /** The format from the extension of the file, or of the files in the folder. */
    public static String detectFormat(Path input) {
        List<Path> files = dataFiles(input);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--input " + input + ": no data files");
        }
        String format = null;
        for (Path f : files) {
            String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
            String fileFormat = name.endsWith(".jsonl") || name.endsWith(".json") ? "jsonl"
                    : name.endsWith(".parquet") ? "parquet"
                    : name.endsWith(".arrow") || name.endsWith(".feather") || name.endsWith(".ipc") ? "arrow" : null;
            if (fileFormat == null || (format != null && !format.equals(fileFormat))) {
                throw new IllegalArgumentException("--input " + input + ": cannot tell the format from " + f
                        + " (expected .jsonl, .parquet or .arrow files); pass --input-format");
            }
            format = fileFormat;
        }
        return format;
    }

    /** The file itself, or the folder's files, skipping hidden and Spark bookkeeping files (_SUCCESS, .crc). */
    static List<Path> dataFiles(Path input) {
        if (!Files.isDirectory(input)) {
            return List.of(input);
        }
        try (Stream<Path> files = Files.list(input)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(".") && !f.getFileName().toString().startsWith("_"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("--input " + input + ": cannot list the folder", e);
        }
    }

    /** One line, one row; a blank line is skipped, a line that is not a JSON object becomes an error row. */
    static Dataset<Row> jsonl(SparkSession spark, Path input, PromptBuilder prompts) {
        JavaRDD<Row> rows = spark.read().textFile(input.toString()).javaRDD().zipWithIndex()
                .filter(line -> !line._1().isBlank())
                .map(line -> RowCodec.promptRow(line._2(), parseLine(line._1(), line._2(), prompts)));
        return spark.createDataFrame(rows, Schemas.PROMPTS);
    }

    static io.specprefill.udf.task.PromptRecord parseLine(String line, long rowIndex, PromptBuilder prompts) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return PromptBuilder.unreadable(rowIndex, "line " + (rowIndex + 1) + " is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return PromptBuilder.unreadable(rowIndex, "line " + (rowIndex + 1) + " is not a JSON object");
        }
        return prompts.build(InputFields.of(node), rowIndex);
    }

    static Dataset<Row> parquet(SparkSession spark, Path input, PromptBuilder prompts) {
        JavaRDD<Row> rows = spark.read().parquet(input.toString()).javaRDD().zipWithIndex()
                .map(r -> RowCodec.promptRow(r._2(), prompts.build(InputFields.of(r._1()), r._2())));
        return spark.createDataFrame(rows, Schemas.PROMPTS);
    }

    /**
     * Arrow IPC is read on the driver (Spark has no Arrow IPC source), then spread over the
     * default parallelism: the input must fit the driver's memory, which prompt sets do.
     */
    static Dataset<Row> arrow(SparkSession spark, Path input, PromptBuilder prompts) {
        List<Row> rows = new ArrayList<>();
        for (Path file : dataFiles(input)) {
            try {
                ArrowIo.read(file, fields -> rows.add(RowCodec.promptRow(rows.size(), prompts.build(fields, rows.size()))));
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("--input " + file + ": not a readable Arrow IPC file: " + e.getMessage(), e);
            }
        }
        return spark.createDataFrame(rows, Schemas.PROMPTS);
    }
}
