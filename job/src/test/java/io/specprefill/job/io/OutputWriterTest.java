package io.specprefill.job.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.SparkTests;
import io.specprefill.udf.task.GenerationResult;
import io.specprefill.udf.task.PromptRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputWriterTest {
    private static SparkSession spark;
    private static Dataset<Row> results;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkTests.session(OutputWriterTest.class);
        List<Row> rows = new ArrayList<>();
        // out of order on purpose: writers restore the input order
        rows.add(result(2, "c", "qa", "Paris", null));
        rows.add(result(0, "a", "qa", "It is 42.", null));
        rows.add(result(1, "b", null, null, "input row 1 (id b): empty prompt"));
        rows.add(result(3, "d", "sum/x", "ok", null));
        results = spark.createDataFrame(rows, Schemas.RESULTS).repartition(3);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Row result(long index, String id, String dataset, String text, String error) {
        PromptRecord source = new PromptRecord(id, null, dataset, List.of("42"), List.of(), 7, -1, null);
        return RowCodec.resultRow(index, new GenerationResult(source, text, text == null ? null : new int[] {5, 6},
                100, 10, 0.1, 1.5, 2.5, 4.5, 8.0, error));
    }

    @Test
    void parquetKeepsTheOutputColumnsInInputOrder() {
        List<Path> written = OutputWriter.write(results, tmp, "parquet");
        Dataset<Row> back = spark.read().parquet(written.get(0).toString());
        assertEquals(Schemas.OUTPUT.fieldNames().length, back.schema().fields().length);
        assertEquals(List.of("a", "b", "c", "d"), back.collectAsList().stream().map(r -> r.<String>getAs("id")).toList());
    }

    @Test
    void arrowIsReadableBackWithArrowsReader() throws Exception {
        Path file = OutputWriter.write(results, tmp, "arrow").get(0);
        assertEquals(tmp.resolve("predictions.arrow"), file);
        List<InputFields> rows = new ArrayList<>();
        ArrowIo.read(file, rows::add);
        assertEquals(4, rows.size());
        assertEquals("a", rows.get(0).text("id"));
        assertEquals("It is 42.", rows.get(0).text("output_text"));
        assertEquals(List.of(5L, 6L), ((List<?>) rows.get(0).get("output_ids")).stream()
                .map(v -> ((Number) v).longValue()).toList());
        assertEquals(0.1, ((Number) rows.get(0).get("keep_ratio")).doubleValue());
        assertNull(rows.get(1).get("output_text"));
        assertEquals("input row 1 (id b): empty prompt", rows.get(1).text("error"));
        assertEquals(List.of("42"), rows.get(3).texts("answers"));
    }

    @Test
    void jsonlWritesOneLongBenchFilePerDataset() throws Exception {
        List<Path> written = OutputWriter.write(results, tmp, "jsonl");
        assertEquals(List.of(tmp.resolve("qa.jsonl"), tmp.resolve("predictions.jsonl"), tmp.resolve("sum_x.jsonl")),
                written);
        List<String> qa = Files.readAllLines(tmp.resolve("qa.jsonl"));
        assertEquals(2, qa.size());
        JsonNode first = JSON.readTree(qa.get(0));
        assertEquals("a", first.get("id").asText());
        assertEquals("It is 42.", first.get("pred").asText());
        assertEquals("42", first.get("answers").get(0).asText());
        assertTrue(first.get("all_classes").isArray());
        assertEquals(7, first.get("length").asInt());
        assertEquals(2, first.get("output_ids").size());
        JsonNode failed = JSON.readTree(Files.readAllLines(tmp.resolve("predictions.jsonl")).get(0));
        assertEquals("", failed.get("pred").asText());
        assertTrue(failed.get("output_text").isNull());
        assertEquals("input row 1 (id b): empty prompt", failed.get("error").asText());
    }
}
