package io.specprefill.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.eval.LongBenchPredictionFiles;
import io.specprefill.job.eval.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreLongBenchCommandTest {
    private static final String FIXTURE = "longbench/metric_fixture_llama3-8b-instruct";

    /** Both phases of the command, without the wrapper: errors come out as exceptions. */
    private static String run(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ScoreLongBenchCommand.Ready ready = ScoreLongBenchCommand.COMMAND.prepare().prepare(args);
        ScoreLongBenchCommand.run(ready.options(), ready.rows(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The official result.json of LongBench's eval.py on real predictions, reproduced by the command. */
    @Test
    void commandJsonEqualsResultJson() throws Exception {
        Optional<Path> dir = SharedData.resolve(FIXTURE);
        assumeTrue(dir.isPresent(), SharedData.missing(FIXTURE));
        ObjectMapper om = new ObjectMapper();
        assertEquals(om.readTree(dir.get().resolve("result.json").toFile()),
                om.readTree(run("--pred-dir", dir.get().toString(), "--json")));
    }

    @Test
    void scoresLongBenchFilesAndJobOutput(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("hotpotqa.jsonl"),
                "{\"pred\": \"yes\", \"answers\": [\"yes\"], \"all_classes\": null, \"length\": 10}\n"
                + "{\"pred\": \"no\", \"answers\": [\"yes\"], \"all_classes\": null, \"length\": 5000}\n");
        // The job's output: output_text plus a dataset column, in a Spark part file.
        Files.writeString(dir.resolve("part-00000-abc.json"),
                "{\"id\": \"1\", \"output_text\": \"def f():\", \"answers\": [\"def f():\"], \"dataset\": \"lcc\", \"length\": 9000}\n");
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        JsonNode json = new ObjectMapper().readTree(run("--pred-dir", dir.toString(), "--json"));
        assertEquals(50.0, json.get("hotpotqa").asDouble(), 0.0);
        assertEquals(100.0, json.get("lcc").asDouble(), 0.0);
        assertEquals(2, json.size());

        String table = run("--pred-dir", dir.toString());
        assertTrue(table.contains("hotpotqa") && table.contains("qa_f1_score") && table.contains("50.00"), table);
        assertTrue(table.contains("Multi-Doc QA") && table.contains("average of the 2 categories present (of 6)"), table);
        assertTrue(table.trim().endsWith("75.00"), table);

        JsonNode e = new ObjectMapper().readTree(run("--pred-dir", dir.toString(), "--json", "--e"));
        assertEquals(100.0, e.get("hotpotqa").get("0-4k").asDouble(), 0.0);
        assertEquals(0.0, e.get("hotpotqa").get("4-8k").asDouble(), 0.0);
    }

    @Test
    void badInputNamesFileAndLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("qasper.jsonl"), "{\"pred\": \"a\", \"answers\": [\"a\"]}\n{\"pred\": 3}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run("--pred-dir", dir.toString()));
        assertTrue(e.getMessage().contains("qasper.jsonl line 2"), e.getMessage());
        Files.writeString(dir.resolve("qasper.jsonl"), "{\"pred\": \"a\", \"answers\": [\"a\"]}\n");
        Files.writeString(dir.resolve("mixed.jsonl"), "{\"pred\": \"a\", \"answers\": [\"a\"], \"dataset\": \"nope\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> run("--pred-dir", dir.toString()));
        assertTrue(e.getMessage().contains("mixed.jsonl line 1") && e.getMessage().contains("nope"), e.getMessage());
        // A file that is no LongBench dataset and names none is skipped with a warning.
        Files.delete(dir.resolve("mixed.jsonl"));
        Files.writeString(dir.resolve("predictions.jsonl"), "{\"pred\": \"a\", \"answers\": [\"a\"]}\n");
        List<String> warnings = new ArrayList<>();
        assertEquals(List.of("qasper"), List.copyOf(LongBenchPredictionFiles.read(dir, warnings::add).keySet()));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("predictions.jsonl"), warnings.get(0));
    }

    @Test
    void flagsAndExitStatus(@TempDir Path dir) throws Exception {
        assertThrows(IllegalArgumentException.class, () -> ScoreLongBenchCommand.parse(new String[] {}));
        assertThrows(IllegalArgumentException.class, () -> ScoreLongBenchCommand.parse(new String[] {"--pred-dir"}));
        assertThrows(IllegalArgumentException.class, () -> ScoreLongBenchCommand.parse(new String[] {"--x", "y"}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, ScoreLongBenchCommand.COMMAND.call(new String[] {"--help"}, o, e));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: specprefill score-longbench"));
        assertEquals(2, ScoreLongBenchCommand.COMMAND.call(new String[] {"--x"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("specprefill: score-longbench: unknown flag '--x'"),
                err.toString(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("qasper.jsonl"), "{\"pred\": 3}\n");
        assertEquals(2, ScoreLongBenchCommand.COMMAND.call(new String[] {"--pred-dir", dir.toString()}, o, e),
                "a bad prediction file is bad input");
    }
}
