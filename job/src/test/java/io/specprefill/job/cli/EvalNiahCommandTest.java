package io.specprefill.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.GoldenModels;
import io.specprefill.job.demo.SampleNiah;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval-niah's machinery on the golden tiny models (random weights: accuracies mean nothing) over
 * needle rows of the project's own haystack, so no shared data is needed.
 */
class EvalNiahCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path rows(String name, long seed) throws IOException {
        List<String> lines = new ArrayList<>();
        for (SampleNiah.Row r : SampleNiah.generate(3, 500, seed)) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("id", r.id());
            line.put("prompt", r.prompt());
            line.put("answers", List.of(r.answer()));
            line.put("needles", r.needles());
            lines.add(JSON.writeValueAsString(line));
        }
        return Files.write(tmp.resolve(name + ".jsonl"), lines);
    }

    private record Run(int rc, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc;
        try {
            rc = EvalNiahCommand.COMMAND.call(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void oneTableLinePerConfigurationWithEveryRowCounted() throws IOException {
        Path report = tmp.resolve("report.md");
        Run r = run("--data", rows("alpha", 1).toString(), rows("beta", 2).toString(), "--limit", "2",
                "--draft", GoldenModels.dir("tiny-draft").toString(), "--target", GoldenModels.dir("tiny-target").toString(),
                "--keeps", "0.3", "--lookaheads", "1,4", "--backend", "cpu", "--max-new-tokens", "3",
                "--set", "chunk_size=8", "--set", "keep_tail=8", "--explain", "--out", report.toString());
        assertEquals(0, r.rc(), r.err());
        assertEquals(r.out(), Files.readString(report), "--out holds what was printed");
        List<String> table = Arrays.stream(r.out().split("\n")).filter(l -> l.startsWith("|")).toList();
        assertEquals(6, table.size(), r.out());
        assertEquals("| configuration | alpha acc | beta acc | all acc | of full | keep ratio | needle kept | sentence kept "
                + "| TTFT mean ms | TTFT p50 ms | rows | errors |", table.get(0));
        assertTrue(table.get(2).startsWith("| target alone (full prefill) | "), table.get(2));
        assertTrue(table.get(2).endsWith(" | 1.000 | 100.0% | 100.0% | " + cells(table.get(2)).get(8) + " | "
                + cells(table.get(2)).get(9) + " | 4 | 0 |"), table.get(2));
        assertTrue(table.get(3).startsWith("| draft alone (full prefill) | "), table.get(3));
        assertTrue(table.get(4).startsWith("| keep 0.30, lookahead 1 | "), table.get(4));
        assertTrue(table.get(5).startsWith("| keep 0.30, lookahead 4 | "), table.get(5));
        for (String line : table.subList(2, 6)) {
            List<String> c = cells(line);
            assertEquals("4", c.get(10), line);
            assertEquals("0", c.get(11), line);
            assertTrue(Double.parseDouble(c.get(8)) > 0, "TTFT: " + line);
        }
        for (String line : table.subList(4, 6)) {
            double ratio = Double.parseDouble(cells(line).get(5));
            assertTrue(ratio > 0 && ratio < 1, line);
        }
        assertTrue(r.out().contains("### explain: keep 0.30, lookahead 1: "), r.out());
        assertTrue(r.out().contains("### explain: keep 0.30, lookahead 4: "), r.out());
        assertTrue(r.err().contains("eval-niah 3/4: keep 0.30, lookahead 1, 4 rows ..."), r.err());
    }

    /** A wrong row of a speculative run is explained: needle position, its chunk's rank, the kept chunks. */
    @Test
    void explainShowsTheNeedleAndTheKeptChunksOfWrongRows() throws IOException {
        Run r = run("--data", rows("gamma", 3).toString(), "--limit", "1",
                "--draft", GoldenModels.dir("tiny-draft").toString(), "--target", GoldenModels.dir("tiny-target").toString(),
                "--keeps", "0.2", "--lookaheads", "2", "--backend", "cpu", "--max-new-tokens", "2",
                "--set", "chunk_size=16", "--explain");
        assertEquals(0, r.rc(), r.err());
        // a random-weight target never writes a 7-digit number in 2 tokens
        assertTrue(r.out().contains("### explain: keep 0.20, lookahead 2: 1 of 1 rows wrong"), r.out());
        assertTrue(r.out().matches("(?s).*asked needle number: tokens \\[\\d+, \\d+\\) = \\d+% of the prompt, chunk \\d+ "
                + "\\(rank \\d+ of \\d+.*"), r.out());
        assertTrue(r.out().contains("  kept chunk "), r.out());
        assertTrue(r.out().contains("  its sentence: tokens ["), r.out());
        assertTrue(r.out().matches("(?s).*causes: target alone wrong too 1; asked number not kept \\d; .*"), r.out());
    }

    @Test
    void withoutReferencesOnlyTheSpeculativeRunsAreMade() throws IOException {
        Run r = run("--data", rows("zeta", 6).toString(), "--limit", "1", "--no-references",
                "--draft", GoldenModels.dir("tiny-draft").toString(), "--target", GoldenModels.dir("tiny-target").toString(),
                "--keeps", "0.5", "--lookaheads", "2", "--backend", "cpu", "--max-new-tokens", "2");
        assertEquals(0, r.rc(), r.err());
        List<String> table = Arrays.stream(r.out().split("\n")).filter(l -> l.startsWith("|")).toList();
        assertEquals(3, table.size(), r.out());
        assertTrue(table.get(2).startsWith("| keep 0.50, lookahead 2 | "), table.get(2));
        assertEquals("-", cells(table.get(2)).get(3), "no target-alone accuracy to compare with");
    }

    @Test
    void badUsageNamesTheFlag() throws IOException {
        Run none = run("--limit", "2");
        assertEquals(2, none.rc());
        assertTrue(none.err().contains("--data is required"), none.err());
        Run keep = run("--data", rows("delta", 4).toString(), "--keeps", "1.0", "--draft",
                GoldenModels.dir("tiny-draft").toString(), "--target", GoldenModels.dir("tiny-target").toString());
        assertEquals(2, keep.rc());
        assertTrue(keep.err().contains("--keeps 1.0: must be in (0, 1)"), keep.err());
        Run unknown = run("--data", rows("eps", 5).toString(), "--nope", "1");
        assertEquals(2, unknown.rc());
        assertTrue(unknown.err().contains("unknown flag '--nope'"), unknown.err());
    }

    private static List<String> cells(String line) {
        return Arrays.stream(line.substring(2, line.length() - 2).split(" \\| ")).toList();
    }
}
