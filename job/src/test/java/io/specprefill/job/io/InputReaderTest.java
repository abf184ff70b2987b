package io.specprefill.job.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.SparkTests;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.eval.SharedData;
import io.specprefill.udf.task.PromptRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputReaderTest {
    private static SparkSession spark;
    private static final PromptBuilder PLAIN = new PromptBuilder(Map.of(), null, Map.of());

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkTests.session(InputReaderTest.class);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void jsonlKeepsEveryRowAndTurnsBadLinesIntoErrors() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), String.join("\n",
                "{\"id\": \"a\", \"prompt\": \"first\", \"answers\": [\"1\"]}",
                "{\"id\": \"b\", \"prompt\": ",
                "",
                "[1, 2]",
                "{\"prompt\": \"fourth\", \"dataset\": \"d\"}") + "\n");
        List<PromptRecord> rows = records(InputReader.read(spark, in, "auto", PLAIN));
        assertEquals(4, rows.size(), "the blank line is not a row; every other line is");
        assertEquals("first", rows.get(0).prompt());
        assertEquals(List.of("1"), rows.get(0).answers());
        assertEquals("row-1", rows.get(1).id());
        assertTrue(rows.get(1).error().startsWith("input row 1 (id row-1): line 2 is not valid JSON"), rows.get(1).error());
        assertEquals("input row 3 (id row-3): line 4 is not a JSON object", rows.get(2).error());
        assertEquals("row-4", rows.get(3).id());
        assertEquals("d", rows.get(3).dataset());
        assertNull(rows.get(3).error());
    }

    @Test
    void parquetRowsReadLikeJsonl() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add("answers", DataTypes.createArrayType(DataTypes.StringType)).add("length", DataTypes.LongType);
        Path dir = tmp.resolve("in.parquet");
        spark.createDataFrame(List.of(RowFactory.create("p0", "zero", List.of("x", "y"), 12L),
                        RowFactory.create("p1", null, List.of(), null)), schema)
                .coalesce(1).write().parquet(dir.toString());
        assertEquals("parquet", InputReader.detectFormat(dir));
        List<PromptRecord> rows = records(InputReader.read(spark, dir, "auto", PLAIN));
        assertEquals(2, rows.size());
        assertEquals("zero", rows.get(0).prompt());
        assertEquals(List.of("x", "y"), rows.get(0).answers());
        assertEquals(12, rows.get(0).length());
        assertEquals("input row 1 (id p1): no 'prompt' field (nor LongBench's 'context' and 'input')", rows.get(1).error());
    }

    @Test
    void arrowFilesReadThroughArrowJava() throws Exception {
        StructType schema = new StructType().add("_id", DataTypes.StringType).add("context", DataTypes.StringType)
                .add("input", DataTypes.StringType).add("answers", DataTypes.createArrayType(DataTypes.StringType))
                .add("length", DataTypes.IntegerType);
        Path file = tmp.resolve("in.arrow");
        ArrowIo.write(file, schema, List.of(RowFactory.create("q0", "ctx", "why?", List.of("because"), 3),
                RowFactory.create("q1", "ctx2", "how?", List.of(), 4)).iterator());
        PromptBuilder b = PromptBuilder.fromConfig(ConfigLoader.parse("prompt_template: '{context} | {input}'", "c", List.of()));
        List<PromptRecord> rows = records(InputReader.read(spark, file, "auto", b));
        assertEquals(2, rows.size());
        assertEquals("ctx | why?", rows.get(0).prompt());
        assertEquals(List.of("because"), rows.get(0).answers());
        assertEquals("q1", rows.get(1).id());
        assertEquals(4, rows.get(1).length());
    }

    @Test
    void rowsThatShareAnIdGetAnErrorEachUnlessAllowed() throws Exception {
        Path in = Files.writeString(tmp.resolve("dup.jsonl"), String.join("\n",
                "{\"id\": \"a\", \"prompt\": \"one\"}",
                "{\"id\": \"b\", \"prompt\": \"two\"}",
                "{\"id\": \"a\", \"prompt\": \"three\"}",
                "{\"id\": \"c\", \"prompt\": \"\"}",
                "{\"id\": \"c\", \"prompt\": \"five\"}") + "\n");
        List<PromptRecord> rows = records(InputReader.read(spark, in, "jsonl", PLAIN));
        assertEquals(5, rows.size(), "every row comes out");
        assertEquals("input row 0 (id a): id is not unique: 2 input rows have it (the first is input row 0); give each"
                + " row its own id, or set allow_duplicate_ids: true", rows.get(0).error());
        assertNull(rows.get(1).error());
        assertTrue(rows.get(2).error().startsWith("input row 2 (id a): id is not unique: 2 input rows"), rows.get(2).error());
        assertEquals("input row 3 (id c): empty prompt", rows.get(3).error(), "a row's own error comes first");
        assertTrue(rows.get(4).error().startsWith("input row 4 (id c): id is not unique"), rows.get(4).error());

        List<PromptRecord> allowed = records(InputReader.read(spark, in, "jsonl", PLAIN, true));
        assertNull(allowed.get(0).error());
        assertNull(allowed.get(2).error());
    }

    @Test
    void unknownExtensionsAskForTheFormat() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.txt"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InputReader.detectFormat(in));
        assertTrue(e.getMessage().endsWith("pass --input-format"), e.getMessage());
    }

    @Test
    void realLongBenchRowsAllBecomePrompts() {
        java.util.Optional<Path> found = SharedData.resolve("longbench/config");
        Assumptions.assumeTrue(found.isPresent(), SharedData.missing("longbench/config"));
        Path data = found.get().getParent();
        PromptBuilder b = PromptBuilder.fromConfig(ConfigLoader.parse("", "c",
                List.of("prompt_template=" + data.resolve("config"), "dataset_max_new_tokens=" + data.resolve("config"))));
        List<PromptRecord> rows = records(InputReader.read(spark, data.resolve("longbench_en_longctx_shortans.jsonl"),
                "jsonl", b));
        assertEquals(42, rows.size());
        for (PromptRecord r : rows) {
            assertNull(r.error(), r.id());
            assertTrue(r.maxNewTokens() > 0 && r.length() > 0 && !r.answers().isEmpty(), r.id());
        }
    }

    private static List<PromptRecord> records(Dataset<Row> rows) {
        assertEquals(Schemas.PROMPTS, rows.schema());
        return rows.orderBy(Schemas.ROW_INDEX).collectAsList().stream().map(RowCodec::promptRecord).toList();
    }
}
