package io.specprefill.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.udf.task.ModelCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench-report on run folders as scripts/job-bench.sh leaves them: GPU work from the rows (each
 * batch counted once), model loads from the log, nvidia-smi's samples, and the tables' numbers.
 */
class JobBenchReportTest {
    @TempDir
    Path tmp;

    /** A run folder: wall time, a log, GPU samples, rows (JSONL) and the summary's stage times. */
    private Path run(String name, double wall, double stage1, double stage2, String log, String gpu, String... rows)
            throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir.resolve("out"));
        Files.writeString(dir.resolve("run.json"), "{\"name\": \"" + name + "\", \"wall_s\": " + wall + ", \"exit\": 0}\n");
        Files.writeString(dir.resolve("job.log"), log);
        Files.writeString(dir.resolve("gpu.csv"), gpu);
        Files.writeString(dir.resolve("out/multi_news.jsonl"), String.join("\n", rows) + "\n");
        Files.writeString(dir.resolve("out/summary.json"), "{\"rows\": " + rows.length + ", \"run\": {\"stage1_s\": "
                + stage1 + ", \"stage2_s\": " + stage2 + "}}");
        return dir;
    }

    private static String row(String id, int n, int k, double draft, double prefill, double ttft, double decode, int outTokens) {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < outTokens; i++) ids.append(i == 0 ? "" : ",").append(i + 5);
        return "{\"id\": \"" + id + "\", \"output_ids\": [" + ids + "], \"prompt_tokens\": " + n + ", \"kept_tokens\": " + k
                + ", \"draft_ms\": " + draft + ", \"prefill_ms\": " + prefill + ", \"ttft_ms\": " + ttft
                + ", \"decode_ms\": " + decode + ", \"error\": null}";
    }

    @Test
    void gpuWorkCountsEachBatchOnce() throws IOException {
        // The line as the task writes it now, and (the draft's, below) as logs from before FP8 weights have it.
        String log = "12:00:01 INFO task: " + ModelCache.loadedMessage(Path.of("/m/llama-3.1-8b"), "cuda:0", "auto", 6.5) + "\n";
        String gpu = "2026/11/30 12:00:00.000, 0, 500\n2026/11/30 12:00:00.200, 100, 20000\n2026/11/30 12:00:00.400, 50, 30000\n";
        // Two target batches: rows a, b share prefill 800 (ttft - draft = 810, decodes 300 and 350); c alone.
        Path full = run("full", 20.0, 3.0, 12.0, log, gpu,
                row("a", 1000, 1000, 0, 800, 810, 300, 32),
                row("b", 900, 900, 0, 800, 810, 350, 32),
                row("c", 500, 500, 0, 400, 405, 200, 32));
        BenchRun r = BenchRun.read(full);
        assertEquals(3, r.rows());
        assertEquals(0, r.errors());
        assertEquals(96, r.generatedTokens());
        assertEquals(0.0, r.draftWorkSeconds(), 1e-9);
        assertEquals((810 + 350 + 405 + 200) / 1e3, r.targetWorkSeconds(), 1e-9);
        assertEquals(2, (int) r.targetBatches());
        assertEquals(6.5, r.modelLoads(), 1e-9);
        assertEquals(3, r.gpu().count());
        assertEquals(50.0, r.gpu().meanUtilization(), 1e-9);
        assertEquals(30000, r.gpu().peakMemoryMib(), 1e-9);

        // keep 0.1: one draft batch of 120 ms for a and b, another of 70 ms for c.
        String log2 = log + "12:00:00 INFO task: loaded /m/llama-3.2-1b on cuda:0 in 1.5 s\n";
        Path keep = run("keep-0.1", 10.0, 5.0, 4.0, log2, gpu,
                row("a", 1000, 130, 120, 50, 175, 300, 32),
                row("b", 900, 120, 120, 50, 175, 310, 32),
                row("c", 500, 80, 70, 30, 105, 200, 30));
        BenchRun k = BenchRun.read(keep);
        assertEquals(0.19, k.draftWorkSeconds(), 1e-9);
        assertEquals((55 + 310 + 35 + 200) / 1e3, k.targetWorkSeconds(), 1e-9);
        assertEquals(8.0, k.modelLoads(), 1e-9);
        assertEquals(94, k.generatedTokens());

        String table = JobBenchReport.format(List.of(r, k), 0.4);
        assertTrue(table.contains("2.00x"), table);                     // 20 s / 10 s wall
        assertTrue(table.contains("tokenization of the batch"), table);
        assertTrue(table.contains("50.0%"), table);                     // nvidia-smi's mean
        assertEquals(8.5, JobBenchReport.steady(r), 1e-9);   // at scale: stages 3 + 12 less the 6.5 s load
        assertEquals(1.0, JobBenchReport.steady(k), 1e-9);
    }

    @Test
    void aPrefetchedLoadCountsOnlyForTheWaitItCaused() throws IOException {
        // Stage 1 prefetched the target (13.0 s beside the draft); stage 2's tasks waited 1.5 s for its end.
        Path target = Path.of("/m/llama-3.1-8b");
        String log = "12:00:00 INFO task: " + ModelCache.loadedMessage(Path.of("/m/llama-3.2-1b"), "cuda:0", "auto", 1.0) + "\n"
                + "12:00:14 INFO task: " + ModelCache.loadedMessage(target, "cuda:0", "auto", 13.0)
                + ModelCache.PREFETCHED_SUFFIX + "\n"
                + "12:00:14 INFO task: " + ModelCache.waitedMessage(target, "cuda:0", 1.5) + "\n";
        Path keep = run("keep-0.1", 10.0, 5.0, 4.0, log, "", row("a", 1000, 130, 120, 50, 175, 300, 32));
        BenchRun k = BenchRun.read(keep);
        assertEquals(2.5, k.modelLoads(), 1e-9);
        assertEquals(java.util.Map.of("llama-3.2-1b", 1.0, "llama-3.1-8b", 1.5), k.modelLoadSeconds());
    }

    @Test
    void errorsAreCountedAndShown() throws IOException {
        Path dir = run("bad", 5, 1, 1, "", "", row("a", 10, 10, 0, 5, 6, 1, 2),
                "{\"id\": \"b\", \"error\": \"generation failed: out of memory\", \"prompt_tokens\": 9}");
        BenchRun r = BenchRun.read(dir);
        assertEquals(1, r.errors());
        assertTrue(JobBenchReport.format(List.of(r), -1).contains("generation failed: out of memory"));
        assertTrue(Double.isNaN(r.gpu().meanUtilization()), "no samples");
    }

    @Test
    void aFolderWithoutRunJsonIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchReportCommand.parse(new String[]{"--runs", tmp.toString()}));
        assertTrue(e.getMessage().contains("run.json"), e.getMessage());
    }
}
