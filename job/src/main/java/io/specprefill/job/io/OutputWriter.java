package io.specprefill.job.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;

/**
 * Writes stage 2's rows ({@link Schemas#RESULTS}) in input order as the user's output format:
 * <ul>
 *   <li>parquet: {@code <output>/predictions/} (Spark part files, {@link Schemas#OUTPUT} columns);</li>
 *   <li>arrow: {@code <output>/predictions.arrow}, one Arrow IPC file;</li>
 *   <li>jsonl: {@code <output>/<dataset>.jsonl}, one file per dataset ({@code predictions.jsonl} for rows
 *       without one), each line also carrying {@code pred, answers, all_classes, length}: the fields
 *       LongBench's scorer reads, so the folder is its {@code pred/<model>/} folder.</li>
 * </ul>
 * Arrow and JSONL are written by the driver from {@code toLocalIterator} (one partition in memory at a
 * time), so {@code output} must be a path the driver can write.
 */
public final class OutputWriter {
    private OutputWriter() {
    }

    private static final ObjectMapper JSON = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    /** Writes the rows; returns the paths written. */
    public static List<Path> write(Dataset<Row> results, Path output, String format) {
        Dataset<Row> ordered = results.orderBy(functions.col(Schemas.ROW_INDEX)).select(outputColumns());
        try {
            Files.createDirectories(output);
            return switch (format) {
                case "parquet" -> {
                    Path dir = output.resolve("predictions");
                    ordered.write().mode(SaveMode.Overwrite).parquet(dir.toString());
                    yield List.of(dir);
                }
                case "arrow" -> {
                    Path file = output.resolve("predictions.arrow");
                    ArrowIo.write(file, Schemas.OUTPUT, ordered.toLocalIterator());
                    yield List.of(file);
                }
                case "jsonl" -> jsonl(ordered, output);
                default -> throw new IllegalArgumentException("--output-format " + format + ": not one of parquet, arrow, jsonl");
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the predictions under " + output, e);
        }
    }

    private static List<Path> jsonl(Dataset<Row> ordered, Path output) throws IOException {
        Map<String, Writer> files = new LinkedHashMap<>();
        try {
            Iterator<Row> rows = ordered.toLocalIterator();
            while (rows.hasNext()) {
                Row row = rows.next();
                String name = fileName(row.getAs("dataset"));
                Writer out = files.get(name);
                if (out == null) {
                    out = Files.newBufferedWriter(output.resolve(name), StandardCharsets.UTF_8);
                    files.put(name, out);
                }
                JSON.writeValue(out, jsonLine(row));
                out.write('\n');
            }
        } finally {
            for (Writer w : files.values()) {
                w.close();
            }
        }
        List<Path> written = new ArrayList<>();
        files.keySet().forEach(name -> written.add(output.resolve(name)));
        return written;
    }

    /** The output columns plus LongBench's {@code pred} (the generated text; "" for a failed row). */
    static Map<String, Object> jsonLine(Row row) {
        Map<String, Object> line = new LinkedHashMap<>();
        for (String name : Schemas.OUTPUT.fieldNames()) {
            Object v = row.isNullAt(row.fieldIndex(name)) ? null : row.get(row.fieldIndex(name));
            line.put(name, v instanceof scala.collection.Seq<?> ? Rows.list(row, name) : v);
        }
        String text = row.getAs("output_text");
        line.put("pred", text == null ? "" : text);
        return line;
    }

    /** {@code <dataset>.jsonl}, with characters that do not belong in a file name replaced by '_'. */
    static String fileName(String dataset) {
        if (dataset == null || dataset.isBlank()) {
            return "predictions.jsonl";
        }
        return dataset.replaceAll("[^A-Za-z0-9._-]", "_") + ".jsonl";
    }

    private static org.apache.spark.sql.Column[] outputColumns() {
        return java.util.Arrays.stream(Schemas.OUTPUT.fieldNames()).map(functions::col)
                .toArray(org.apache.spark.sql.Column[]::new);
    }
}
