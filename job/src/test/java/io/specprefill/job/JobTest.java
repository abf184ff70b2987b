package io.specprefill.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.io.ArrowIo;
import io.specprefill.job.io.InputFields;
import io.specprefill.job.io.Rows;
import io.specprefill.job.io.Schemas;
import io.specprefill.job.demo.SampleNiah;
import io.specprefill.job.summary.RunSummary;
import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole job in Spark local mode on the golden tiny models (CPU backend). */
class JobTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_NEW = 6;
    private static SparkSession spark;
    private static Path draft;
    private static Path target;
    private static Path input;
    /** The good rows' prompts, by id. */
    private static final Map<String, String> PROMPTS = new HashMap<>();

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTests.session(JobTest.class);
        draft = GoldenModels.dir("tiny-draft");
        target = GoldenModels.dir("tiny-target");
        List<String> lines = new ArrayList<>();
        List<SampleNiah.Row> rows = new ArrayList<>(SampleNiah.generate(4, 500, 1));
        rows.addAll(SampleNiah.generate(3, 1200, 2));
        for (int i = 0; i < rows.size(); i++) {
            String id = "good-" + i;
            PROMPTS.put(id, rows.get(i).prompt());
            lines.add(JSON.writeValueAsString(Map.of("id", id, "prompt", rows.get(i).prompt(), "dataset",
                    i % 2 == 0 ? "even" : "odd", "answers", List.of(rows.get(i).answer()))));
        }
        lines.add(2, "{\"id\": \"broken\", \"prompt\": ");
        lines.add(4, "{\"id\": \"empty\", \"prompt\": \"\"}");
        lines.add("{\"id\": \"no-prompt\", \"text\": \"x\"}");
        lines.add(JSON.writeValueAsString(Map.of("id", "too-long", "prompt", rows.get(0).prompt().repeat(12))));
        input = Files.write(shared.resolve("input.jsonl"), lines);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static final int INPUT_ROWS = 11;

    @Test
    void everyRowComesOutAndKeptTokensFollowKeep() {
        Path out = tmp.resolve("run");
        List<String> log = new ArrayList<>();
        RunSummary summary = LogCapture.of(Main.class, log, () -> Main.run(spark, plan(out, "parquet", false,
                draft.toString(), "keep=0.3", "chunk_size=16", "keep_tail=16", "lookahead=4"), "test"));
        assertTrue(log.stream().noneMatch(line -> line.startsWith("INFO") && line.contains("resolved config")),
                "the config dump is at debug level: " + log);
        assertEquals(1, log.stream().filter(line -> line.startsWith("INFO test: config in ")).count(), log.toString());
        List<Row> rows = spark.read().parquet(out.resolve("predictions").toString()).collectAsList();
        assertEquals(INPUT_ROWS, rows.size());
        assertEquals(List.of(Schemas.OUTPUT.fieldNames()), List.of(rows.get(0).schema().fieldNames()));
        Map<String, Row> byId = new HashMap<>();
        rows.forEach(r -> byId.put(r.getAs("id"), r));
        assertTrue(byId.get("row-2").<String>getAs("error").contains("line 3 is not valid JSON"));
        assertEquals("input row 4 (id empty): empty prompt", byId.get("empty").getAs("error"));
        assertTrue(byId.get("no-prompt").<String>getAs("error").contains("no 'prompt' field"));
        assertNotNull(byId.get("too-long").getAs("error"), "longer than max_prompt_tokens=1024 without truncate_middle");
        assertTrue(byId.get("too-long").<Integer>getAs("prompt_tokens") > 1024, "an error row says N when it is known");
        for (String id : PROMPTS.keySet()) {
            Row r = byId.get(id);
            assertNull(r.getAs("error"), id);
            int n = r.getAs("prompt_tokens");
            int k = r.getAs("kept_tokens");
            int chunks = (n + 15) / 16;
            int keptChunks = (int) Math.ceil(0.3 * chunks);
            assertTrue(k <= Math.min(n, keptChunks * 16 + 1 + 16) && k >= (keptChunks - 1) * 16 + 1,
                    id + ": K=" + k + " for N=" + n);
            assertEquals((double) k / n, r.<Double>getAs("keep_ratio"), 1e-12);
            assertTrue(r.<Double>getAs("draft_ms") > 0, id);
            assertFalse(Rows.list(r, "output_ids").isEmpty(), id);
            int draftBatch = r.getAs("draft_batch");
            int targetBatch = r.getAs("target_batch");
            assertTrue(draftBatch >= 1 && draftBatch <= 2 && targetBatch >= 1 && targetBatch <= 3,
                    id + ": draft batch " + draftBatch + ", target batch " + targetBatch);
        }
        assertEquals(0, byId.get("empty").<Integer>getAs("target_batch"));
        assertEquals(INPUT_ROWS, summary.rows());
        assertEquals(4, summary.errors());
        assertEquals(INPUT_ROWS, summary.run().rowsScored() + 3, "reader errors bypass the draft");
        assertEquals(RunSummary.RunInfo.SCORED, summary.run().stage1());
        assertTrue(Files.isRegularFile(out.resolve("summary.json")) && Files.isRegularFile(out.resolve("config.yaml")));
    }

    @Test
    void arrowAndJsonlOutputsReadBack() throws IOException {
        Path arrowOut = tmp.resolve("arrow");
        Main.run(spark, plan(arrowOut, "arrow", false, draft.toString(), "keep=0.5"), "arrow");
        List<InputFields> arrowRows = new ArrayList<>();
        ArrowIo.read(arrowOut.resolve("predictions.arrow"), arrowRows::add);
        assertEquals(INPUT_ROWS, arrowRows.size());
        assertEquals("good-0", arrowRows.get(0).text("id"), "input order");

        Path jsonlOut = tmp.resolve("jsonl");
        Main.run(spark, plan(jsonlOut, "jsonl", false, draft.toString(), "keep=0.5"), "jsonl");
        List<JsonNode> lines = new ArrayList<>();
        for (String file : List.of("even.jsonl", "odd.jsonl", "predictions.jsonl")) {
            for (String line : Files.readAllLines(jsonlOut.resolve(file))) {
                lines.add(JSON.readTree(line));
            }
        }
        assertEquals(INPUT_ROWS, lines.size());
        for (JsonNode line : lines) {
            assertTrue(line.has("pred") && line.has("answers") && line.has("all_classes") && line.has("length"), line.toString());
            if (line.get("error").isNull()) {
                assertEquals(line.get("output_text").asText(), line.get("pred").asText());
            }
        }
        assertEquals(arrowRows.get(0).text("output_text"), lines.get(0).get("pred").asText(),
                "same settings, same greedy answer in both formats");
    }

    @Test
    void resumeSkipsFinishedScoringAndRefusesAnInputReplacedInPlace() throws IOException {
        Path out = tmp.resolve("resume");
        Path own = Files.copy(input, tmp.resolve("prompts.jsonl"));
        RunSummary first = Main.run(spark, plan(own, out, "parquet", false, draft.toString(), "keep=0.3"), "first");
        assertEquals("scored", first.run().stage1());
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> Main.run(spark, plan(own, out, "parquet", false, draft.toString(), "keep=0.3"), "again"));
        assertTrue(again.getMessage().contains("already holds a run"), again.getMessage());

        deleteTree(out.resolve("stage2"));   // as if stage 2 had failed
        RunSummary resumed = Main.run(spark, plan(own, out, "parquet", true, draft.toString(), "keep=0.3"), "resumed");
        assertEquals("resumed", resumed.run().stage1());
        assertEquals(0, resumed.run().rowsScored(), "no row went through the draft again");
        assertEquals(first.outputTokens(), resumed.outputTokens());
        assertEquals(first.keptTokens(), resumed.keptTokens());

        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> plan(own, out, "parquet", true, draft.toString(), "keep=0.5"));
        assertTrue(other.getMessage().contains("keep: checkpoint 0.3, this run 0.5"), other.getMessage());

        // the same path, new content: 3 rows where the checkpoints hold 11; never the old rows
        Files.write(own, Files.readAllLines(input).subList(0, 3));
        IllegalArgumentException replaced = assertThrows(IllegalArgumentException.class,
                () -> plan(own, out, "parquet", true, draft.toString(), "keep=0.3"));
        assertTrue(replaced.getMessage().contains("(input file prompts.jsonl: checkpoint "), replaced.getMessage());
        assertTrue(replaced.getMessage().contains("to start fresh, delete "), replaced.getMessage());
    }

    @Test
    void anEmptyInputSaysSoAndItsSummaryHasNoNaN() throws IOException {
        Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "\n");
        Path out = tmp.resolve("empty-run");
        RunSummary summary = Main.run(spark, plan(empty, out, "jsonl", false, draft.toString(), "keep=0.3"), "empty");
        assertEquals(0, summary.rows());
        String json = Files.readString(out.resolve("summary.json"));
        assertFalse(json.contains("NaN"), json);
        assertTrue(io.specprefill.job.summary.SummaryTable.format(summary).contains("0 rows read from " + empty));
    }

    @Test
    void keepOneAndTheNoDraftBaselineEqualPlainGeneration() {
        Map<String, int[]> plain = plainGeneration();
        Path keepOne = tmp.resolve("keep1");
        RunSummary keepOneSummary = Main.run(spark, plan(keepOne, "parquet", false, draft.toString(), "keep=1.0"),
                "keep 1.0");
        assertEquals(RunSummary.RunInfo.NO_DRAFT, keepOneSummary.run().stage1(), "no draft ran: not 'scored'");
        assertEquals(0, keepOneSummary.run().rowsScored());
        assertEquals(INPUT_ROWS - 3, keepOneSummary.run().rowsTokenized(), "reader errors bypass stage 1");
        Path baseline = tmp.resolve("baseline");
        JobArgs args = args(baseline, "parquet", false, "none", List.of("--config", "../configs/baseline.yaml"),
                List.of("max_new_tokens=" + MAX_NEW, "max_prompt_tokens=1024"));
        Main.run(spark, JobPlan.prepare(args, ConfigLoader.load(args.config(), args.sets())), "baseline");
        for (Path out : List.of(keepOne, baseline)) {
            for (Row r : spark.read().parquet(out.resolve("predictions").toString()).collectAsList()) {
                String id = r.getAs("id");
                if (!plain.containsKey(id)) {
                    continue;
                }
                assertEquals(1.0, r.<Double>getAs("keep_ratio"), out + " " + id);
                assertEquals(0.0, r.<Double>getAs("draft_ms"), out + " " + id);
                assertEquals(0, r.<Integer>getAs("draft_batch"), out + " " + id);
                List<Integer> ids = Rows.list(r, "output_ids");
                assertArrayEquals(plain.get(id), ids.stream().mapToInt(Integer::intValue).toArray(), out + " " + id);
            }
        }
    }

    @Test
    void aDraftWithAnotherVocabularyFailsBeforeAnyTask() throws IOException {
        Path strange = GoldenModels.withSwappedVocabulary("tiny-draft", tmp.resolve("strange-draft"));
        Path out = tmp.resolve("never");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plan(out, "parquet", false, strange.toString(), "keep=0.3"));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
        assertFalse(Files.exists(out), "nothing ran");
    }

    /** Greedy generation of the whole prompt with the target, outside Spark: the reference. */
    private static Map<String, int[]> plainGeneration() {
        Tokenizer tok = Tokenizer.load(target.resolve("tokenizer.json"));
        Model model = Model.load(target);
        Map<String, int[]> out = new HashMap<>();
        try (LlamaModel m = LlamaModel.upload(new CpuBackend(), model.config(), model.weights());
             Generator g = new Generator(m)) {
            PROMPTS.forEach((id, prompt) -> out.put(id, g.generate(Request.greedy(tok.encode(prompt, true), MAX_NEW)).ids()));
        }
        return out;
    }

    private static JobPlan plan(Path out, String format, boolean resume, String draftDir, String... sets) {
        return plan(input, out, format, resume, draftDir, sets);
    }

    private static JobPlan plan(Path in, Path out, String format, boolean resume, String draftDir, String... sets) {
        List<String> all = new ArrayList<>(List.of("max_new_tokens=" + MAX_NEW, "max_prompt_tokens=1024",
                "backend=cpu", "draft_batch_size=2", "target_batch_size=3"));
        all.addAll(List.of(sets));
        JobArgs args = args(in, out, format, resume, draftDir, List.of(), all);
        return JobPlan.prepare(args, ConfigLoader.load(null, args.sets()));
    }

    private static JobArgs args(Path out, String format, boolean resume, String draftDir, List<String> extra,
                                List<String> sets) {
        return args(input, out, format, resume, draftDir, extra, sets);
    }

    private static JobArgs args(Path in, Path out, String format, boolean resume, String draftDir, List<String> extra,
                                List<String> sets) {
        List<String> argv = new ArrayList<>(List.of("--input", in.toString(), "--target", target.toString(),
                "--draft", draftDir, "--output", out.toString(), "--output-format", format));
        argv.addAll(extra);
        if (resume) {
            argv.add("--resume");
        }
        sets.forEach(s -> argv.addAll(List.of("--set", s)));
        return JobArgs.parse(argv.toArray(String[]::new));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
