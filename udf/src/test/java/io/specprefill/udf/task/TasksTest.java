package io.specprefill.udf.task;

import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.TestCheckpoints;
import io.specprefill.udf.prefill.Selection;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.specprefill.udf.task.TaskTestSupport.GOLDEN_TEXT;
import static io.specprefill.udf.task.TaskTestSupport.TARGET;
import static io.specprefill.udf.task.TaskTestSupport.TOKENIZER;
import static io.specprefill.udf.task.TaskTestSupport.both;
import static io.specprefill.udf.task.TaskTestSupport.iota;
import static io.specprefill.udf.task.TaskTestSupport.prefix;
import static io.specprefill.udf.task.TaskTestSupport.row;
import static io.specprefill.udf.task.TaskTestSupport.stage1;
import static io.specprefill.udf.task.TaskTestSupport.stage2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both stages over PromptRecords on the hf-golden tiny pair, without Spark. */
class TasksTest {

    @Test
    void goldenPromptTextEncodesBackToTheGoldenIds() {
        assertArrayEquals(TARGET.inputIds, TOKENIZER.encode(GOLDEN_TEXT, true));
    }

    @Test
    void baselineThroughBothStagesEqualsTheHfGreedyReference() {
        for (String draft : new String[]{null, TestCheckpoints.golden("tiny-draft").toString()}) {
            TestSettings t = new TestSettings();
            t.draftDir = draft;
            t.keep = 1.0;
            t.maxNewTokens = 24;
            GenerationResult r = both(t.build(), List.of(row("g", GOLDEN_TEXT))).get(0);
            assertNull(r.error());
            assertArrayEquals(TARGET.greedy24, r.outputIds(), "draft " + draft);
            assertEquals(300, r.promptTokens());
            assertEquals(300, r.keptTokens());
            assertEquals(1.0, r.keepRatio());
            assertEquals(0.0, r.draftMs());
            assertEquals(TOKENIZER.decode(TARGET.greedy24, true), r.outputText());
        }
    }

    @Test
    void goldenSubsetPrefillGivesTheGoldenSubsetGreedyTokens() {
        int[] pos = TARGET.subsetKeepPositions;
        ScoredPrompt sp = new ScoredPrompt(row("s", GOLDEN_TEXT), Selection.gather(TARGET.inputIds, pos), pos,
                TARGET.n(), 1.5, null);
        TestSettings t = new TestSettings();
        t.maxNewTokens = 16;
        GenerationResult r = stage2(t.build(), List.of(sp)).get(0);
        assertArrayEquals(TARGET.subsetGreedy16, r.outputIds());
        assertEquals(pos.length, r.keptTokens());
        assertEquals((double) pos.length / 300, r.keepRatio(), 1e-12);
        assertEquals(1.5, r.draftMs());
        assertTrue(r.ttftMs() >= r.draftMs() + r.prefillMs(), "ttft = draft + prefill + first token");
    }

    @Test
    void rowsComeOutInOrderWithErrorsInBadRowsAndKeepRatiosNearP() {
        TestSettings t = new TestSettings();
        t.maxPromptTokens = 280;
        List<PromptRecord> rows = List.of(
                row("a", prefix(250)),
                new PromptRecord("reader-bad", null, null, null, null, -1, -1, "line 3: not valid JSON"),
                row("missing", null),
                row("blank", "  \n "),
                row("too-long", GOLDEN_TEXT),
                row("b", prefix(97)),
                row("c", prefix(180)));
        List<ScoredPrompt> scored = stage1(t.build(), rows);
        List<GenerationResult> out = stage2(t.build(), scored);
        assertEquals(rows.size(), out.size());
        for (int i = 0; i < rows.size(); i++) assertEquals(rows.get(i).id(), out.get(i).source().id());
        assertEquals("line 3: not valid JSON", out.get(1).error());
        assertEquals("missing prompt", out.get(2).error());
        assertEquals("empty prompt", out.get(3).error());
        assertEquals("prompt has 300 tokens, more than the limit 280 (set truncate_middle to keep its first and last"
                + " halves)", out.get(4).error());
        assertEquals(300, out.get(4).promptTokens(), "an error row reports N once the prompt was tokenized");
        assertEquals(0, out.get(3).promptTokens(), "not tokenized");
        PromptRecord huge = new PromptRecord("huge", "hi", null, null, null, -1, 1_000_000, null);
        String error = stage1(t.build(), List.of(huge)).get(0).error();
        assertTrue(error.startsWith("field 'max_new_tokens' is 1000000, more than the target's max_position_embeddings="),
                error);
        for (int i : new int[]{0, 5, 6}) {
            GenerationResult r = out.get(i);
            assertNull(r.error(), r.source().id());
            int n = r.promptTokens();
            int chunks = (n + 31) / 32;
            int bound = Selection.keepCount(0.3, chunks) * 32 + 1 + 32;
            assertTrue(r.keptTokens() <= Math.min(n, bound) && r.keptTokens() >= Math.min(n, 33),
                    r.source().id() + ": N=" + n + " K=" + r.keptTokens());
            assertTrue(r.outputIds().length >= 1 && r.outputIds().length <= 8);
            assertNotNull(r.outputText());
            assertTrue(r.draftMs() > 0 && r.ttftMs() >= r.draftMs() + r.prefillMs() && r.decodeMs() >= 0);
            ScoredPrompt s = scored.get(i);
            assertEquals(0, s.keptPositions()[0]);
            assertEquals(n - 1, s.keptPositions()[s.keptTokens() - 1]);
        }
        assertEquals(250, out.get(0).promptTokens());
        // the errors stay errors in stage 2, with no output
        for (int i = 1; i <= 4; i++) assertNull(out.get(i).outputIds());
    }

    @Test
    void rowsOfABatchShareItsTimesAndSayItsSize() {
        TestSettings t = new TestSettings(); // draft batches of 2, target batches of 3
        List<PromptRecord> rows = List.of(row("r0", prefix(120)), row("r1", prefix(90)), row("r2", prefix(60)),
                row("r3", prefix(70)), row("r4", prefix(80)));
        List<ScoredPrompt> scored = stage1(t.build(), rows);
        assertEquals(List.of(2, 2, 2, 2, 1), scored.stream().map(ScoredPrompt::draftBatch).toList());
        assertEquals(scored.get(0).draftMs(), scored.get(1).draftMs(), "one draft batch, one time");
        assertEquals(scored.get(2).draftMs(), scored.get(3).draftMs());
        List<GenerationResult> out = stage2(t.build(), scored);
        assertEquals(List.of(3, 3, 3, 2, 2), out.stream().map(GenerationResult::targetBatch).toList());
        assertEquals(List.of(2, 2, 2, 2, 1), out.stream().map(GenerationResult::draftBatch).toList());
        assertEquals(out.get(0).prefillMs(), out.get(2).prefillMs(), "one target batch, one prefill time");
        assertEquals(out.get(3).prefillMs(), out.get(4).prefillMs());

        t.keep = 1.0;
        List<GenerationResult> noDraft = both(t.build(), rows.subList(0, 2));
        assertEquals(List.of(0, 0), noDraft.stream().map(GenerationResult::draftBatch).toList(), "no draft batch");
        assertEquals(List.of(2, 2), noDraft.stream().map(GenerationResult::targetBatch).toList());
    }

    @Test
    void keepOneEqualsPlainGenerationForEveryRow() {
        TestSettings t = new TestSettings();
        t.keep = 1.0;
        List<PromptRecord> rows = List.of(row("a", prefix(230)), row("b", prefix(41)), row("c", prefix(300)),
                row("d", prefix(7)));
        List<GenerationResult> out = both(t.build(), rows);
        LlamaModel target = ModelCache.model(TestCheckpoints.golden("tiny-target"), Backends.choose("cpu", -1));
        try (Generator g = new Generator(target)) {
            for (GenerationResult r : out) {
                int[] ids = TOKENIZER.encode(r.source().prompt(), true);
                assertArrayEquals(g.generate(Request.greedy(ids, 8)).ids(), r.outputIds(), r.source().id());
                assertEquals(ids.length, r.keptTokens());
            }
        }
    }

    @Test
    void middleTruncationKeepsBothEnds() {
        TestSettings t = new TestSettings();
        t.keep = 1.0;
        t.maxPromptTokens = 64;
        t.truncateMiddle = true;
        ScoredPrompt s = stage1(t.build(), List.of(row("long", GOLDEN_TEXT))).get(0);
        assertNull(s.error());
        assertEquals(64, s.promptTokens());
        int[] expected = new int[64];
        System.arraycopy(TARGET.inputIds, 0, expected, 0, 32);
        System.arraycopy(TARGET.inputIds, 300 - 32, expected, 32, 32);
        assertArrayEquals(expected, s.keptIds());
        assertArrayEquals(iota(64), s.keptPositions());
    }

    @Test
    void chatTemplateWrapsThePromptAndTheTailKeepsTheAssistantHeader() {
        TestSettings t = new TestSettings();
        t.chatTemplate = true;
        t.keep = 0.1;
        t.chunkSize = 16;
        t.keepTail = 8;
        String text = prefix(200);
        ScoredPrompt s = stage1(t.build(), List.of(row("chat", text))).get(0);
        int[] ids = io.specprefill.udf.tokenizer.ChatTemplate.LLAMA3.encode(TOKENIZER, text);
        assertEquals(ids.length, s.promptTokens());
        assertEquals(3000, s.keptIds()[0]);
        // the template ends "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n": in the kept tail
        int[] tail = Arrays.copyOfRange(ids, ids.length - 8, ids.length);
        assertArrayEquals(tail, Arrays.copyOfRange(s.keptIds(), s.keptTokens() - 8, s.keptTokens()));
        assertTrue(s.keptTokens() <= Selection.keepCount(0.1, (ids.length + 15) / 16) * 16 + 1 + 8);
    }

    @Test
    void theLimitLeavesRoomForTheRowsNewTokens() {
        // target max_position_embeddings 2048: a row asking for 1800 new tokens leaves 248 for the prompt
        TestSettings t = new TestSettings();
        t.keep = 1.0;
        PromptRecord r = new PromptRecord("big-gen", GOLDEN_TEXT, null, null, null, -1, 1800, null);
        ScoredPrompt s = stage1(t.build(), List.of(r)).get(0);
        assertEquals("prompt has 300 tokens, more than the limit 248 (set truncate_middle to keep its first and last"
                + " halves)", s.error());
    }

    @Test
    void aFailingRowInStage2LeavesItsBatchMatesIntact() {
        TestSettings t = new TestSettings();
        t.targetBatchSize = 4;
        int[] good = Arrays.copyOf(TARGET.inputIds, 120);
        ScoredPrompt ok1 = new ScoredPrompt(row("ok1", "x"), good, iota(120), 120, 0, null);
        int[] outOfVocab = good.clone();
        outOfVocab[50] = 99_999;
        ScoredPrompt bad = new ScoredPrompt(row("oov", "x"), outOfVocab, iota(120), 120, 0, null);
        ScoredPrompt unordered = new ScoredPrompt(row("unordered", "x"), new int[]{3000, 5, 6}, new int[]{0, 2, 1}, 3,
                0, null);
        ScoredPrompt ok2 = new ScoredPrompt(row("ok2", "x"), Arrays.copyOf(good, 60), iota(60), 60, 0, null);
        List<GenerationResult> out = stage2(t.build(), List.of(ok1, bad, unordered, ok2));
        List<GenerationResult> alone = new ArrayList<>();
        for (ScoredPrompt p : List.of(ok1, ok2)) alone.add(stage2(t.build(), List.of(p)).get(0));
        assertArrayEquals(alone.get(0).outputIds(), out.get(0).outputIds());
        assertArrayEquals(alone.get(1).outputIds(), out.get(3).outputIds());
        assertTrue(out.get(1).error().startsWith("generation failed: "), out.get(1).error());
        assertTrue(out.get(1).error().contains("99999"), out.get(1).error());
        assertTrue(out.get(2).error().startsWith("bad stage 1 row: request: positions must ascend"), out.get(2).error());
    }

    /**
     * The memory plan: a row whose KV cache cannot fit (2^29 new tokens: 384 GiB of float32 keys and
     * values for this model, more than the heap) fails before it allocates, with the arithmetic in its
     * error, and its batch mates generate as they would alone.
     */
    @Test
    void aRowTheMemoryPlanRejectsFailsAloneWithItsArithmetic() {
        TestSettings t = new TestSettings();
        t.targetBatchSize = 3;
        int[] ids = Arrays.copyOf(TARGET.inputIds, 40);
        ScoredPrompt ok = new ScoredPrompt(row("ok", "x"), ids, iota(40), 40, 0, null);
        PromptRecord huge = new PromptRecord("huge", "x", null, List.of(), List.of(), -1, 1 << 29, null);
        ScoredPrompt big = new ScoredPrompt(huge, ids, iota(40), 40, 0, null);
        List<GenerationResult> out = stage2(t.build(), List.of(ok, big, ok));
        GenerationResult alone = stage2(t.build(), List.of(ok)).get(0);
        String error = out.get(1).error();
        assertTrue(error != null && error.startsWith("memory plan: does not fit on cpu"), String.valueOf(error));
        // 2 x 3 layers x 2 KV heads x 16 x 4 bytes = 768 bytes a token, 40 + 2^29 tokens
        long kv = (40L + (1 << 29)) * 768;
        assertTrue(error.contains(String.format(java.util.Locale.ROOT, "takes %.2f GiB (0.8 KiB a token)",
                kv / (double) (1L << 30))), error);
        assertNull(out.get(0).error(), out.get(0).error());
        assertNull(out.get(2).error(), out.get(2).error());
        assertArrayEquals(alone.outputIds(), out.get(0).outputIds());
        assertArrayEquals(alone.outputIds(), out.get(2).outputIds());
    }

    @Test
    void sampledRowsAreReproducibleWhateverTheirBatch() {
        TestSettings t = new TestSettings();
        t.keep = 1.0;
        t.temperature = 0.9;
        t.topP = 0.9;
        t.maxNewTokens = 12;
        List<PromptRecord> rows = List.of(row("a", prefix(150)), row("b", prefix(90)), row("c", prefix(60)));
        List<GenerationResult> together = both(t.build(), rows);
        t.targetBatchSize = 1;
        List<GenerationResult> apart = both(t.build(), rows);
        for (int i = 0; i < 3; i++) assertArrayEquals(together.get(i).outputIds(), apart.get(i).outputIds());
        t.seed = 43;
        List<GenerationResult> otherSeed = both(t.build(), rows);
        boolean anyDiffers = false;
        for (int i = 0; i < 3; i++) anyDiffers |= !Arrays.equals(together.get(i).outputIds(), otherSeed.get(i).outputIds());
        assertTrue(anyDiffers, "another seed samples other tokens for at least one of 3 rows x 12 tokens");
    }

    @Test
    void stopStringEndsGenerationAndCutsTheText() {
        TestSettings t = new TestSettings();
        t.keep = 1.0;
        t.maxNewTokens = 24;
        GenerationResult free = both(t.build(), List.of(row("g", GOLDEN_TEXT))).get(0);
        String text = free.outputText();
        // greedy repeats 513 798 95; stop at the text of token 95 the first time it appears
        String stop = TOKENIZER.decode(new int[]{95}, true);
        assertTrue(text.indexOf(stop) > 0, "fixture: '" + stop + "' occurs in '" + text + "'");
        t.stopStrings = List.of(stop);
        GenerationResult cut = both(t.build(), List.of(row("g", GOLDEN_TEXT))).get(0);
        assertArrayEquals(new int[]{513, 798, 95}, cut.outputIds());
        assertEquals(text.substring(0, text.indexOf(stop)), cut.outputText());
    }
}
