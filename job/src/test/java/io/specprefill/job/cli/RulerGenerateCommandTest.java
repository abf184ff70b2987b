package io.specprefill.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.eval.SharedData;
import io.specprefill.job.eval.ruler.RulerTasks;
import io.specprefill.job.eval.ruler.RulerTestData;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulerGenerateCommandTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    private static List<JsonNode> rows(Path file) throws Exception {
        ObjectMapper om = new ObjectMapper();
        return Files.readAllLines(file).stream().map(l -> {
            try {
                return om.readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    @Test
    void writesJobInputRows(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("rows/niah.jsonl");
        RulerGenerateCommand.Options o = RulerGenerateCommand.parse(new String[] {"--task", "niah_multivalue",
            "--length", "700", "--tokenizer", "unused", "--samples", "3", "--out", out.toString(),
            "--data-dir", RulerTestData.miniDir().toString(), "--model-template", "tagged"});
        assertEquals(3, RulerGenerateCommand.run(o, RulerTestData.WORD_TOKENS, QUIET));
        List<JsonNode> rows = rows(out);
        assertEquals(3, rows.size());
        JsonNode r = rows.get(0);
        assertEquals("niah_multivalue-700-0", r.get("id").asText());
        assertEquals("niah_multivalue", r.get("task").asText());
        assertEquals("niah_multivalue", r.get("dataset").asText());
        assertEquals(16, r.get("max_new_tokens").asInt());
        assertEquals(4, r.get("outputs").size());
        assertEquals(r.get("outputs"), r.get("answers"));
        String prompt = r.get("prompt").asText();
        assertTrue(prompt.startsWith("<user>Some secret numbers") && prompt.contains("</user><assistant> The secret numbers"),
                prompt.substring(0, 60));
        assertEquals(RulerTestData.WORD_TOKENS.applyAsInt(prompt) + 16, r.get("length").asInt());
    }

    @Test
    void flagErrorsNameTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RulerGenerateCommand.parse(
                new String[] {"--task", "vt", "--length", "-5", "--tokenizer", "t", "--samples", "1", "--out", "o",
                    "--data-dir", "d"}));
        assertTrue(e.getMessage().contains("--length"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RulerGenerateCommand.parse(
                new String[] {"--task", "vt", "--length", "100", "--tokenizer", "t", "--samples", "1", "--out", "o"}));
        assertTrue(e.getMessage().contains("--data-dir"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> RulerTasks.create("qa_1",
                RulerTestData.templates(), "base", RulerTestData.data(), RulerTestData.WORD_TOKENS, 1));
        assertTrue(unknown.getMessage().contains("niah_single_1"), unknown.getMessage());
    }

    /** The real inputs: RULER's templates and essays, lengths in a real tokenizer's tokens. */
    @Test
    void realDataAndTokenizer(@TempDir Path tmp) throws Exception {
        Optional<Path> ruler = SharedData.resolve("ruler/templates.json");
        Optional<Path> tokDir = SharedData.resolveShared("fixtures/hf-golden/tokenizer");
        assumeTrue(ruler.isPresent() && tokDir.isPresent(), "shared/data/ruler or shared/fixtures/hf-golden missing: skipped");
        Tokenizer tok = Tokenizer.load(tokDir.get());
        ToIntFunction<String> tokens = t -> tok.encode(t, false).length;
        for (String task : List.of("niah_single_2", "niah_multikey_3", "vt", "cwe", "fwe")) {
            Path out = tmp.resolve(task + ".jsonl");
            RulerGenerateCommand.run(RulerGenerateCommand.parse(new String[] {"--task", task, "--length", "2048",
                "--tokenizer", tokDir.get().toString(), "--samples", "2", "--out", out.toString(),
                "--data-dir", ruler.get().getParent().toString()}), tokens, QUIET);
            for (JsonNode r : rows(out)) {
                int length = r.get("length").asInt();
                assertTrue(length <= 2048 && length >= 1843, task + ": length " + length);
                assertEquals(tokens.applyAsInt(r.get("prompt").asText()) + r.get("max_new_tokens").asInt(), length);
                for (JsonNode a : r.get("outputs")) {
                    assertTrue(r.get("prompt").asText().contains(a.asText()), task + ": answer " + a + " not in the prompt");
                }
            }
        }
    }
}
