package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LongBenchPromptsTest {
    private static Path mini() throws URISyntaxException {
        return Path.of(LongBenchPromptsTest.class.getResource("/longbench-mini/dataset2prompt.json").toURI()).getParent();
    }

    @Test
    void buildsFromTheConfigFolder() throws Exception {
        LongBenchPrompts p = LongBenchPrompts.load(mini());
        assertEquals("Read the article and answer.\n\nArticle: DOC {x}\n\nQuestion: why?\n\nAnswer:",
                p.build("qasper", "DOC {x}", "why?"));
        assertEquals("Classify the last question like the examples {in braces}.\n\nEX\nQ", p.build("trec", "EX", "Q"));
        assertEquals(128, p.maxNewTokens("qasper"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.build("lcc", "c", "i"));
        assertTrue(e.getMessage().contains("dataset2prompt.json") && e.getMessage().contains("lcc"), e.getMessage());
    }

    @Test
    void missingConfigNamesTheFile(@org.junit.jupiter.api.io.TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LongBenchPrompts.load(dir));
        assertTrue(e.getMessage().contains("dataset2prompt.json"), e.getMessage());
    }

    @Test
    void officialConfigBuildsEveryDatasetFromARealRow() throws Exception {
        Optional<Path> config = SharedData.resolve("longbench/config");
        Optional<Path> rows = SharedData.resolve("longbench/longbench_en_longctx_shortans.jsonl");
        assumeTrue(config.isPresent() && rows.isPresent(), SharedData.missing("longbench/config"));
        LongBenchPrompts p = LongBenchPrompts.load(config.get());
        for (LongBenchDatasets.Dataset d : LongBenchDatasets.all()) {
            String prompt = p.build(d.name(), "<<CTX>>", "<<IN>>");
            assertTrue(prompt.contains("<<CTX>>"), d.name() + ": " + prompt);
            assertTrue(p.maxNewTokens(d.name()) > 0);
        }
        JsonNode row = new ObjectMapper().readTree(Files.readAllLines(rows.get()).get(0));
        String prompt = p.build(row.get("dataset").asText(), row.get("context").asText(), row.get("input").asText());
        assertTrue(prompt.contains(row.get("context").asText()));
        // The upstream typo is part of the official prompt and must survive.
        assertTrue(p.build("narrativeqa", "c", "i").contains("asconcisely"));
    }

    /** Characters as tokens; id 0 is a BOS that encode adds and decode skips, as HF does. */
    private static final LongBenchPrompts.TokenCodec CHARS = new LongBenchPrompts.TokenCodec() {
        @Override
        public int[] encode(String text) {
            int[] ids = new int[text.length() + 1];
            for (int i = 0; i < text.length(); i++) {
                ids[i + 1] = text.charAt(i);
            }
            return ids;
        }

        @Override
        public String decode(int[] ids) {
            return Arrays.stream(ids).filter(id -> id != 0).mapToObj(id -> String.valueOf((char) id))
                    .collect(Collectors.joining());
        }
    };

    @Test
    void truncateMiddleKeepsHeadAndTailHalves() {
        // "abcdefghij" is 11 ids with BOS; max 6 -> ids[:3] = BOS a b, ids[-3:] = h i j.
        assertEquals("abhij", LongBenchPrompts.truncateMiddle("abcdefghij", 6, CHARS));
        // max 7 -> half = 3 as well (int(7 / 2)).
        assertEquals("abhij", LongBenchPrompts.truncateMiddle("abcdefghij", 7, CHARS));
        assertEquals("abcdefghij", LongBenchPrompts.truncateMiddle("abcdefghij", 11, CHARS));
        assertThrows(IllegalArgumentException.class, () -> LongBenchPrompts.truncateMiddle("x", 0, CHARS));
    }
}
