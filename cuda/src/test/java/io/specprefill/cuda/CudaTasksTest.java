package io.specprefill.cuda;

import io.specprefill.udf.task.GenerationIterator;
import io.specprefill.udf.task.GenerationResult;
import io.specprefill.udf.task.PromptRecord;
import io.specprefill.udf.task.ScoredPrompt;
import io.specprefill.udf.task.TaskSettings;
import io.specprefill.udf.task.TestSettings;
import io.specprefill.udf.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Stage 2 through the "cuda" backend as a Spark task runs it (no Spark here): the golden prompt's
 * greedy tokens, and a row whose KV cache cannot fit on the GPU gets the memory plan's error in its
 * own row while the rows around it still generate; a task stopped mid-partition gives its device
 * memory back when its iterator is closed, and the next task runs.
 */
class CudaTasksTest {

    @Test
    void aRowThatDoesNotFitOnTheGpuFailsAloneAndTheOthersGenerate() {
        Golden golden = goldenOnTheGpu();
        TaskSettings settings = cudaSettings(1);
        // 2^29 new tokens: a KV cache of about 200 GiB for this model, more than any GPU has.
        List<ScoredPrompt> rows = List.of(row("ok-1", golden, 24), row("too-big", golden, 1 << 29), row("ok-2", golden, 24));

        List<GenerationResult> out = drain(new GenerationIterator(settings, rows.iterator(), 0, "cuda stage2 test"));

        assertEquals(3, out.size());
        assertNull(out.get(0).error(), out.get(0).error());
        assertArrayEquals(golden.greedy24, out.get(0).outputIds(), "greedy tokens of the golden prompt on the GPU");
        assertNotNull(out.get(1).error(), "the oversized row must carry an error");
        assertTrue(out.get(1).error().startsWith("memory plan: does not fit on cuda:"), out.get(1).error());
        assertNull(out.get(2).error(), out.get(2).error());
        assertArrayEquals(golden.greedy24, out.get(2).outputIds(), "the row after the failure still generates");
    }

    /**
     * A Spark task that fails mid-partition: the stage closes its iterator (StagePartition's task-
     * completion listener), which must give back the device memory the task took (its KV cache),
     * so that the next task on the executor finds the GPU as the first one did and generates.
     */
    @Test
    void aTaskThatStopsEarlyGivesBackItsDeviceMemoryAndTheNextTaskRuns() {
        Golden golden = goldenOnTheGpu();
        TaskSettings settings = cudaSettings(2);
        List<ScoredPrompt> rows = List.of(row("a", golden, 24), row("b", golden, 24), row("c", golden, 24));
        // A first task, whole: it loads the model (kept per JVM) and sizes the backend's scratch.
        drain(new GenerationIterator(settings, rows.iterator(), 0, "task 1"));
        long before = DeviceMemory.liveBytes();

        GenerationIterator stopped = new GenerationIterator(settings, rows.iterator(), 0, "task 2 (fails)");
        assertTrue(stopped.hasNext());
        stopped.next();   // the first batch of two generated, its KV cache held for the rest: the task dies
        assertTrue(DeviceMemory.liveBytes() > before, "the task holds device memory while it runs");
        stopped.close();
        assertEquals(before, DeviceMemory.liveBytes(), "device bytes the stopped task did not give back");

        List<GenerationResult> next = drain(new GenerationIterator(settings, rows.iterator(), 0, "task 3"));
        assertEquals(3, next.size());
        for (GenerationResult r : next) assertNull(r.error(), r.error());
        assertArrayEquals(golden.greedy24, next.get(0).outputIds(), "the next task generates as the first did");
        assertEquals(before, DeviceMemory.liveBytes(), "device bytes a finished task left behind");
    }

    private static List<GenerationResult> drain(Iterator<GenerationResult> it) {
        List<GenerationResult> out = new ArrayList<>();
        while (it.hasNext()) out.add(it.next());
        return out;
    }


    /** The tiny target's golden prompt; skips where no GPU is usable. */
    private static Golden goldenOnTheGpu() {
        CudaBackendProvider provider = new CudaBackendProvider();
        assumeTrue(provider.available(), "no usable GPU: " + provider.unavailableReason());
        return Golden.load("tiny-target");
    }

    private static TaskSettings cudaSettings(int targetBatchSize) {
        TestSettings t = new TestSettings();
        t.backend = "cuda";
        t.targetBatchSize = targetBatchSize;
        return t.build();
    }

    /** The golden prompt, every token kept at its own position, as stage 1 hands it over. */
    private static ScoredPrompt row(String id, Golden golden, int maxNewTokens) {
        int[] ids = golden.inputIds;
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) positions[i] = i;
        PromptRecord source = new PromptRecord(id, "(ids given)", null, List.of(), List.of(), -1, maxNewTokens, null);
        return new ScoredPrompt(source, Arrays.copyOf(ids, ids.length), positions, ids.length, 0, null);
    }
}
