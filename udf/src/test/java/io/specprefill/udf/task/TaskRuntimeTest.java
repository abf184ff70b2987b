package io.specprefill.udf.task;

import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.TestCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.specprefill.udf.task.TaskTestSupport.prefix;
import static io.specprefill.udf.task.TaskTestSupport.row;
import static io.specprefill.udf.task.TaskTestSupport.stage1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-JVM model cache, failure isolation in stage 1, and the task log lines. */
class TaskRuntimeTest {

    @Test
    void aPromptTheDraftCannotScoreFailsAloneInItsBatch(@TempDir Path tmp) throws Exception {
        // this draft's embedding has 3001 rows: the special id 3004 (<|eot_id|>) is outside it
        Path draft = TestModels.draft(tmp.resolve("small-vocab"), 3001);
        TestSettings t = new TestSettings();
        t.draftDir = draft.toString();
        t.draftBatchSize = 3;
        t.chunkSize = 8;
        t.keepTail = 8;
        List<PromptRecord> rows = List.of(row("a", prefix(120)), row("bad", prefix(60) + "<|eot_id|> and on"),
                row("c", prefix(90)));
        List<ScoredPrompt> together = stage1(t.build(), rows);
        assertEquals(3, together.size());
        String error = together.get(1).error();
        assertTrue(error.startsWith("draft scoring failed: ") && error.contains("3004"), error);
        for (int i : new int[]{0, 2}) {
            ScoredPrompt alone = stage1(t.build(), List.of(rows.get(i))).get(0);
            assertNull(together.get(i).error());
            assertArrayEquals(alone.keptPositions(), together.get(i).keptPositions(), rows.get(i).id());
            assertTrue(together.get(i).keptTokens() < together.get(i).promptTokens());
        }
    }

    @Test
    void eachModelLoadsOncePerJvmEvenFromManyThreads() throws Exception {
        Backends.Choice cpu = Backends.choose("cpu", -1);
        Path dir = TestCheckpoints.golden("tiny-draft");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<LlamaModel>> got = new ArrayList<>();
            for (int i = 0; i < 8; i++) got.add(pool.submit(() -> ModelCache.model(dir, cpu)));
            for (Future<LlamaModel> f : got) assertSame(got.get(0).get(), f.get());
        } finally {
            pool.shutdown();
        }
        assertSame(ModelCache.model(dir, cpu), ModelCache.model(dir.resolve(".").resolve("../tiny-draft"), cpu));
        assertNotSame(ModelCache.model(dir, cpu), ModelCache.model(TestCheckpoints.golden("tiny-target"), cpu));
        assertSame(ModelCache.backend(cpu), ModelCache.model(dir, cpu).backend);
    }

    @Test
    void aFailedLoadIsNotCached(@TempDir Path tmp) throws Exception {
        Backends.Choice cpu = Backends.choose("cpu", -1);
        Path dir = tmp.resolve("later");
        assertThrows(RuntimeException.class, () -> ModelCache.model(dir, cpu));
        TestModels.draft(dir, 3005);
        assertEquals(32, ModelCache.model(dir, cpu).config.dim());
    }

    @Test
    void everyTaskLogsItsBackendAndWhy() {
        List<String> lines = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("io.specprefill.udf.task");
        log.addHandler(h);
        try {
            TestSettings t = new TestSettings();
            t.backend = "auto";
            TaskTestSupport.both(t.build(), List.of(row("a", prefix(80))));
        } finally {
            log.removeHandler(h);
        }
        // the provider's reason is logged once per JVM (ModelCacheNoteTest); start lines say only this
        String why = "backend cpu (auto: cuda not usable)";
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("test stage1: start, " + why + ", draft ")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("test stage2: start, " + why + ", target ")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("test stage1: 1 prompt, 80 tokens, .* tok/s, done")),
                lines.toString());
    }

    @Test
    void anEmptyPartitionLoadsNothing() {
        TestSettings t = new TestSettings();
        t.targetDir = "/nonexistent/model"; // never opened: no rows
        assertEquals(0, TaskTestSupport.stage1(t.build(), List.of()).size());
        assertEquals(0, TaskTestSupport.stage2(t.build(), List.of()).size());
    }

    @Test
    void progressNumbersReadWell() {
        assertEquals("812", Progress.human(812));
        assertEquals("8.1k", Progress.human(8123));
        assertEquals("2.5M", Progress.human(2.5e6));
    }
}
