package io.specprefill.job.make;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.eval.SharedData;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * make-batch on the shared LongBench rows with the shipped tokenizer: prompt lengths spread evenly
 * over the range, counted as the job counts them; deterministic for a seed; LongBench's templates.
 */
class LongBenchBatchTest {
    @TempDir
    Path tmp;

    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void lengthsSpreadEvenlyAndAreExact() throws IOException {
        Optional<Path> data = SharedData.resolve("longbench");
        assumeTrue(data.isPresent(), SharedData.missing("longbench"));
        Tokenizer tok = Tokenizer.load(ModelMakerTest.NIAH_TOKENIZER);
        Path out = tmp.resolve("batch.jsonl");
        LongBenchBatch.Options o = new LongBenchBatch.Options(data.get(), 7, 600, 3000, 16, 3, out, null);
        List<LongBenchBatch.Prompt> prompts = LongBenchBatch.make(o, tok, QUIET);
        LongBenchBatch.write(prompts, out, o.maxNewTokens());

        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out)) rows.add(new ObjectMapper().readTree(line));
        assertEquals(7, rows.size());
        List<Integer> lengths = new ArrayList<>();
        for (JsonNode r : rows) {
            int n = tok.encode(r.path("prompt").asText(), true).length;
            assertEquals(r.path("length").asInt(), n, r.path("id").asText() + ": length is the job's N");
            int i = Integer.parseInt(r.path("id").asText().substring(3));
            int target = 600 + 400 * i;
            assertTrue(Math.abs(n - target) <= 2, r.path("id").asText() + ": " + n + " tokens, aimed at " + target);
            assertEquals(16, r.path("max_new_tokens").asInt());
            assertTrue(r.path("answers").size() > 0);
            lengths.add(n);
        }
        assertTrue(!lengths.equals(lengths.stream().sorted().toList()), "rows come in a seeded order, not by length");
        String first = rows.stream().filter(r -> r.path("dataset").asText().equals("multifieldqa_en")).findFirst()
                .map(r -> r.path("prompt").asText()).orElse("Read the following text and answer briefly.");
        assertTrue(first.startsWith("Read the following text and answer briefly."), "LongBench's own template");

        Path again = tmp.resolve("again.jsonl");
        LongBenchBatch.write(LongBenchBatch.make(new LongBenchBatch.Options(data.get(), 7, 600, 3000, 16, 3, again, null),
                tok, QUIET), again, 16);
        assertEquals(Files.readString(out), Files.readString(again), "deterministic for a seed");
    }
}
