package io.specprefill.job.eval.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.GoldenModels;
import io.specprefill.job.cli.SweepCommand;
import io.specprefill.job.SparkTests;
import io.specprefill.job.demo.SampleNiah;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep end to end in Spark local mode on the golden tiny models (random weights: the scores
 * mean nothing, the machinery is what is tested): three runs, their folders, sweep.md and both PNGs.
 */
class SweepTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SparkSession spark;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkTests.session(SweepTest.class);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** 6 rows: 3 of a LongBench dataset (hotpotqa: QA F1) and 3 of a RULER task, all with answers. */
    private static Path input() throws IOException {
        List<String> lines = new ArrayList<>();
        List<SampleNiah.Row> rows = SampleNiah.generate(6, 400, 7);
        for (int i = 0; i < rows.size(); i++) {
            SampleNiah.Row r = rows.get(i);
            lines.add(JSON.writeValueAsString(Map.of("id", r.id(), "prompt", r.prompt(), "answers", List.of(r.answer()),
                    "dataset", i < 3 ? "hotpotqa" : "niah_single_1")));
        }
        return Files.write(tmp.resolve("input.jsonl"), lines);
    }

    @Test
    void aSweepWritesEveryRunItsTableAndTwoPlots() throws IOException {
        Path out = tmp.resolve("sweep");
        String[] argv = {"--input", input().toString(), "--draft", GoldenModels.dir("tiny-draft").toString(),
            "--target", GoldenModels.dir("tiny-target").toString(), "--output", out.toString(), "--keeps", "0.3,0.6",
            "--lookaheads", "4", "--set", "max_new_tokens=4", "--set", "backend=cpu", "--set", "chunk_size=8",
            "--set", "keep_tail=8", "--set", "draft_batch_size=3", "--set", "target_batch_size=3"};
        List<Sweep.Run> runs = Sweep.plan(SweepArgs.parse(argv, job -> 8));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Sweep.Outcome> outcomes = SweepCommand.run(spark, runs, new PrintStream(printed, true, StandardCharsets.UTF_8));
        String stdout = printed.toString(StandardCharsets.UTF_8);

        assertEquals(List.of("keep-1.00", "keep-0.30-lah4", "keep-0.60-lah4"), runs.stream().map(Sweep.Run::dirName).toList());
        for (Sweep.Run r : runs) {
            assertTrue(Files.isRegularFile(out.resolve(r.dirName()).resolve("summary.json")), r.dirName());
            assertTrue(Files.isDirectory(out.resolve(r.dirName()).resolve("predictions")), r.dirName());
        }
        assertTrue(stdout.contains("sweep 1/3: keep 1.0 (baseline, no draft)"), stdout);
        assertTrue(stdout.contains("sweep 2/3: keep 0.3 lookahead 4"), stdout);
        assertTrue(stdout.contains("sweep 3/3: keep 0.6 lookahead 4"), stdout);

        assertEquals(1.0, outcomes.get(0).summary().meanKeepRatio(), 1e-12);
        assertTrue(outcomes.get(1).summary().meanKeepRatio() < outcomes.get(2).summary().meanKeepRatio());
        assertTrue(outcomes.get(2).summary().meanKeepRatio() < 1.0);
        for (Sweep.Outcome o : outcomes) {
            assertEquals(6, o.promptTokens().length, "one TTFT point per row: " + o.run().label());
            assertEquals(0, o.summary().errors(), o.run().label());
        }
        assertArrayEquals(outcomes.get(0).promptTokens(), outcomes.get(1).promptTokens(), "same prompts, same N");

        String table = Files.readString(out.resolve(SweepCommand.TABLE_FILE));
        assertTrue(stdout.contains(table), "the table is printed too");
        checkTable(table);
        checkPng(out.resolve(SweepPlots.SCORE_FILE));
        checkPng(out.resolve(SweepPlots.TTFT_FILE));
        checkPng(out.resolve(SweepPlots.SPEEDUP_FILE));
    }

    private static void checkTable(String table) {
        List<String> lines = Arrays.stream(table.split("\n")).filter(l -> l.startsWith("|")).toList();
        // quality: header, rule, 2 datasets, 1 category, the average; speed: header, rule, 3 runs
        assertEquals(11, lines.size(), table);
        assertEquals("| dataset | metric | keep 1.0 (baseline) | keep 0.3, A=4 | keep 0.6, A=4 |", lines.get(0));
        assertTrue(lines.get(2).startsWith("| hotpotqa | LongBench | "), lines.get(2));
        assertTrue(lines.get(3).startsWith("| niah_single_1 | RULER string_match_all | "), lines.get(3));
        assertTrue(lines.get(4).startsWith("| *Multi-Doc QA* | LongBench category mean | "), lines.get(4));
        assertTrue(lines.get(5).startsWith("| **LongBench average** | mean of the 1 categories present (of 6) | "),
                lines.get(5));
        assertEquals(5, lines.get(2).split("\\|").length - 1, "dataset, metric and one score per run");
        assertTrue(lines.get(6).startsWith("| run | keep | lookahead | rows | errors | mean keep ratio | TTFT p50 ms"));
        assertTrue(lines.get(8).matches("\\| keep 1\\.0 \\(baseline\\) \\| 1\\.0 \\| - \\| 6 \\| 0 \\| 1\\.000 \\| .* \\| 1\\.00x \\| 1\\.00x \\| .*"),
                lines.get(8));
        assertTrue(lines.get(9).matches("\\| keep 0\\.3, A=4 \\| 0\\.3 \\| 4 \\| 6 \\| 0 \\| 0\\.\\d{3} \\| .*x \\| .*x \\| .*"),
                lines.get(9));
        assertTrue(lines.get(10).startsWith("| keep 0.6, A=4 | 0.6 | 4 | 6 | 0 | "), lines.get(10));
    }

    private static void checkPng(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 10_000, file + ": only " + bytes.length + " bytes");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(bytes, 8),
                file + " is no PNG");
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(SweepPlots.WIDTH, image.getWidth(), file.toString());
        assertEquals(SweepPlots.HEIGHT, image.getHeight(), file.toString());
        long colors = Arrays.stream(image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth()))
                .distinct().count();
        assertTrue(colors > 5, file + ": " + colors + " colors, a blank image?");
    }
}
