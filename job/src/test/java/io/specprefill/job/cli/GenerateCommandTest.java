package io.specprefill.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@code generate} in-process on hf-golden's tiny-target (udf's test resources in this repository). */
class GenerateCommandTest {
    private static final Path TINY = Path.of("..", "udf", "src", "test", "resources", "hf-golden", "tiny-target");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return GenerateCommand.COMMAND.call(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static int[] ints(JsonNode n) {
        int[] v = new int[n.size()];
        for (int i = 0; i < v.length; i++) v[i] = n.get(i).asInt();
        return v;
    }

    @Test
    void promptIdsJsonReproducesTheReferenceGreedyTokens() throws Exception {
        assertTrue(Files.isDirectory(TINY), TINY.toAbsolutePath() + " is missing");
        JsonNode golden = new ObjectMapper().readTree(TINY.resolve("golden.json").toFile());
        String ids = Arrays.stream(ints(golden.get("input_ids"))).mapToObj(Integer::toString).collect(Collectors.joining(","));
        assertEquals(0, run("--model", TINY.toString(), "--prompt-ids", ids, "--max-new-tokens", "10", "--json"), err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertArrayEquals(Arrays.copyOf(ints(golden.get("greedy_24")), 10), ints(json.get("ids")));
        assertEquals(300, json.get("prompt_tokens").asInt());
        assertEquals("MAX_TOKENS", json.get("stop_reason").asText());
        assertTrue(json.get("text").isTextual());
        assertTrue(err.toString().contains("tok/s"), err.toString());
    }

    @Test
    void textPromptGetsBosAndPrintsText() throws Exception {
        assertEquals(0, run("--model", TINY.toString(), "--prompt", "Hello world", "--max-new-tokens=3", "--json"), err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(3, json.get("ids").size());
        assertTrue(json.get("prompt_tokens").asInt() >= 2, "BOS plus the text");
    }

    @Test
    void badFlagsPrintUsageNamingTheFlag() throws Exception {
        assertEquals(2, run("--model", TINY.toString(), "--prompt", "x", "--frobnicate"));
        assertTrue(err.toString().contains("unknown flag '--frobnicate'") && err.toString().contains("usage:"), err.toString());
        err.reset();
        assertEquals(2, run("--model", TINY.toString(), "--prompt-ids", "1,x,3"));
        assertTrue(err.toString().contains("--prompt-ids: 'x'"), err.toString());
        err.reset();
        assertEquals(2, run("--model", TINY.toString(), "--prompt", "x", "--max-new-tokens"));
        assertTrue(err.toString().contains("--max-new-tokens needs a value"), err.toString());
        err.reset();
        assertEquals(2, run("--model", TINY.toString(), "--prompt", "x", "--top-p", "0"));
        assertTrue(err.toString().contains("--top-p 0.0 must be in (0, 1]"), err.toString());
    }

    @Test
    void aBadModelOrPromptIsAUserErrorWithStatusTwoAsInRun() throws Exception {
        assertEquals(2, run("--model", TINY.toString(), "--prompt-ids", "1,99999"));
        assertTrue(err.toString().startsWith("specprefill: generate: prompt id 99999 (item 1)"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), "one line, no stack trace: " + err);
        err.reset();
        assertEquals(2, run("--model", TINY.resolveSibling("no-such-model").toString(), "--prompt", "x"));
        assertTrue(err.toString().startsWith("specprefill: generate: ") && err.toString().contains("no-such-model"),
                err.toString());
        assertEquals(1, err.toString().strip().lines().count(), "one line, no stack trace: " + err);
    }
}
