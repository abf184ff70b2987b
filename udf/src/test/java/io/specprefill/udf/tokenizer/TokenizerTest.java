package io.specprefill.udf.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.udf.model.ModelFormatException;
import io.specprefill.udf.model.TestCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = TestCheckpoints.golden("tokenizer");
    private static final Tokenizer TOK = Tokenizer.load(DIR);

    @TempDir
    Path tmp;

    private static JsonNode golden() throws IOException {
        return JSON.readTree(DIR.resolve("golden_encodings.json").toFile());
    }

    private static int[] ints(JsonNode arr) {
        int[] a = new int[arr.size()];
        for (int i = 0; i < a.length; i++) a[i] = arr.get(i).asInt();
        return a;
    }

    static void assertGolden(Tokenizer tok) throws IOException {
        JsonNode g = golden();
        assertEquals(g.get("vocab_size").asInt(), tok.vocabSize());
        assertEquals(g.get("bos_id").asInt(), tok.bosId());
        for (JsonNode c : g.get("cases")) {
            String text = c.get("text").asText();
            assertArrayEquals(ints(c.get("ids")), tok.encode(text, true), "ids of " + text);
            assertArrayEquals(ints(c.get("ids_no_special")), tok.encode(text, false), "ids_no_special of " + text);
            assertEquals(c.get("decoded").asText(), tok.decode(ints(c.get("ids")), true), "decode of " + text);
        }
    }

    @Test
    void everyGoldenCase() throws IOException {
        assertEquals(13, golden().get("cases").size());
        assertGolden(TOK);
    }

    @Test
    void specialTokenInsideTextIsMatchedAndKeptWhenNotSkipped() {
        int eot = TOK.tokenId("<|eot_id|>").getAsInt();
        assertEquals(3004, eot);
        int[] ids = TOK.encode("a<|eot_id|>b<|eot_id|>", false);
        assertEquals(eot, ids[1]);
        assertEquals(eot, ids[ids.length - 1]);
        assertEquals("a<|eot_id|>b<|eot_id|>", TOK.decode(ids, false));
        assertEquals("ab", TOK.decode(ids, true));
        assertTrue(TOK.isSpecial(eot));
        // a broken special token is plain text
        assertFalse(Arrays.stream(TOK.encode("<|eot_id>", false)).anyMatch(i -> i >= 3000));
    }

    @Test
    void randomUnicodeRoundTrips() {
        Random rnd = new Random(42);
        int[][] ranges = {{0x20, 0x7e}, {0x09, 0x0d}, {0xa0, 0x24f}, {0x370, 0x3ff}, {0x400, 0x4ff}, {0x600, 0x6ff},
            {0x900, 0x97f}, {0x3040, 0x30ff}, {0x4e00, 0x9fff}, {0xac00, 0xd7a3}, {0x1f300, 0x1f64f}, {0x2000, 0x206f}};
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(60);
            for (int i = 0; i < len; i++) {
                int[] r = ranges[rnd.nextInt(ranges.length)];
                int cp = r[0] + rnd.nextInt(r[1] - r[0] + 1);
                if (Character.isSurrogate((char) cp)) continue;
                sb.appendCodePoint(cp);
            }
            String text = sb.toString();
            int[] ids = TOK.encode(text, true);
            assertEquals(text, TOK.decode(ids, true), "round trip of " + text);
            assertEquals(3000, ids[0]);
        }
    }

    /** The textbook O(n^2) BPE (merge the lowest-rank pair, leftmost first, until none): the reference for the queue. */
    private static List<String> naiveBpe(String byteLevelWord, java.util.Map<String, Integer> rank) {
        List<String> parts = new ArrayList<>();
        for (char c : byteLevelWord.toCharArray()) parts.add(String.valueOf(c));
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = rank.get(parts.get(i) + " " + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) return parts;
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
    }

    @Test
    void mergeQueueAgreesWithTextbookBpeOnLongWords() throws IOException {
        ObjectNode t = tokenizerJson();
        ((ObjectNode) t.get("model")).put("ignore_merges", false);
        Tokenizer tok = write(t);
        java.util.Map<String, Integer> rank = new java.util.HashMap<>();
        JsonNode merges = t.get("model").get("merges");
        for (int r = 0; r < merges.size(); r++) rank.putIfAbsent(merges.get(r).get(0).asText() + " " + merges.get(r).get(1).asText(), r);
        Random rnd = new Random(7);
        String letters = "etaoinshrdlucmfwypvbgkqjxz";
        for (int trial = 0; trial < 40; trial++) {
            StringBuilder sb = new StringBuilder();
            int len = trial < 39 ? 1 + rnd.nextInt(40) : 3000; // the last is one 3000-letter pre-token
            for (int i = 0; i < len; i++) sb.append(letters.charAt(Math.min(letters.length() - 1, (int) Math.abs(rnd.nextGaussian() * 8))));
            String word = sb.toString();
            int[] expected = naiveBpe(word, rank).stream().mapToInt(p -> tok.tokenId(p).getAsInt()).toArray();
            assertArrayEquals(expected, tok.encode(word, false), word);
        }
    }

    @Test
    void decodeReplacesInvalidUtf8LikeRust() {
        int[][] cases = {{0xF0, 0x9F, 0x98, 0x41}, {0xC0, 0x80}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80},
            {0xF4, 0x90, 0x80, 0x80}, {0xE2, 0x82}, {0xFF, 0x41}};
        String[] expected = {"\uFFFDA", "\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD",
            "\uFFFD\uFFFD\uFFFD\uFFFD", "\uFFFD", "\uFFFDA"};
        for (int k = 0; k < cases.length; k++) {
            int[] ids = new int[cases[k].length];
            for (int i = 0; i < ids.length; i++) ids[i] = TOK.tokenId(String.valueOf(ByteLevel.charOf(cases[k][i]))).getAsInt();
            assertEquals(expected[k], TOK.decode(ids, false), "bytes " + Arrays.toString(cases[k]));
        }
        assertThrows(IllegalArgumentException.class, () -> TOK.decode(new int[]{3005}, false));
    }

    @Test
    void chatTemplateAddsBosOnce() {
        int[] ids = ChatTemplate.LLAMA3.encode(TOK, "Hi");
        assertEquals(3000, ids[0]);
        assertEquals(3002, ids[1]);
        assertEquals(1, Arrays.stream(ids).filter(i -> i == 3000).count());
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", TOK.decode(ids, false));
        assertEquals("user\n\nHiassistant\n\n", TOK.decode(ids, true));
        assertArrayEquals(TOK.encode("Hi", true), ChatTemplate.NONE.encode(TOK, "Hi"));
        assertEquals(ChatTemplate.LLAMA3, ChatTemplate.parse("llama3"));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.parse("chatml"));
    }

    @Test
    void vocabularyComparison() throws IOException {
        Tokenizer draft = Tokenizer.load(TestCheckpoints.golden("tiny-draft"));
        assertTrue(TOK.sameVocabulary(draft));
        ObjectNode t = tokenizerJson();
        ((ObjectNode) t.get("added_tokens").get(4)).put("content", "<|eom_id|>");
        assertFalse(TOK.sameVocabulary(write(t)));
        assertEquals(3000, TOK.tokenId("<|begin_of_text|>").getAsInt());
        assertEquals(220, TOK.tokenId("Ġ").getAsInt());
        assertTrue(TOK.tokenId("no such token").isEmpty());
    }

    @Test
    void mergesAsStringsAndSequencePostProcessorGiveTheSameIds() throws IOException {
        ObjectNode t = tokenizerJson();
        ArrayNode merges = (ArrayNode) t.with("model").get("merges");
        ArrayNode asStrings = JSON.createArrayNode();
        for (JsonNode m : merges) asStrings.add(m.get(0).asText() + " " + m.get(1).asText());
        ((ObjectNode) t.get("model")).set("merges", asStrings);
        ObjectNode seq = JSON.createObjectNode().put("type", "Sequence");
        seq.putArray("processors").add(JSON.createObjectNode().put("type", "ByteLevel")).add(t.get("post_processor"));
        t.set("post_processor", seq);
        assertGolden(write(t));
    }

    @Test
    void withoutIgnoreMergesWordsInVocabStillEncodeAndRoundTrip() throws IOException {
        ObjectNode t = tokenizerJson();
        ((ObjectNode) t.get("model")).put("ignore_merges", false);
        Tokenizer tok = write(t);
        String text = "Hello world, don't stop 1234567!";
        assertEquals(text, tok.decode(tok.encode(text, false), false));
    }

    @Test
    void unsupportedModelTypesNameTheFile() throws IOException {
        for (String type : new String[]{"WordPiece", "Unigram", "WordLevel"}) {
            ObjectNode t = tokenizerJson();
            ((ObjectNode) t.get("model")).put("type", type);
            Path f = writeFile(t);
            ModelFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
            assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("model.type=" + type), e.getMessage());
        }
        ObjectNode t = tokenizerJson();
        ((ObjectNode) t.get("decoder")).put("type", "Metaspace");
        Path f = writeFile(t);
        assertTrue(assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f)).getMessage().contains("decoder.type=Metaspace"));
        ObjectNode bad = tokenizerJson();
        ((ArrayNode) bad.with("model").get("merges")).add(JSON.createArrayNode().add("zzz").add("q"));
        Path g = writeFile(bad);
        String msg = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(g)).getMessage();
        assertTrue(msg.contains(g.toString()) && msg.contains("'zzz' is not in model.vocab"), msg);
        assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(tmp.resolve("missing")));
    }

    @Test
    void threadsShareOneTokenizer() throws Exception {
        JsonNode cases = golden().get("cases");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int k = 0; k < 16; k++) {
                results.add(pool.submit(() -> {
                    boolean ok = true;
                    for (int rep = 0; rep < 20; rep++) {
                        for (JsonNode c : cases) ok &= Arrays.equals(ints(c.get("ids")), TOK.encode(c.get("text").asText(), true));
                    }
                    return ok;
                }));
            }
            for (Future<Boolean> f : results) assertTrue(f.get());
        } finally {
            pool.shutdown();
        }
    }

    private ObjectNode tokenizerJson() throws IOException {
        return (ObjectNode) JSON.readTree(DIR.resolve("tokenizer.json").toFile());
    }

    private Path writeFile(ObjectNode t) throws IOException {
        Path f = tmp.resolve("tokenizer-" + System.nanoTime() + ".json");
        JSON.writeValue(f.toFile(), t);
        return f;
    }

    private Tokenizer write(ObjectNode t) throws IOException {
        return Tokenizer.load(writeFile(t));
    }
}
