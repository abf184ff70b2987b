package io.specprefill.job.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tables of {@code scripts/job-bench.sh} (through {@code specprefill bench-report}): the job run
 * once per configuration on one batch, the first configuration the baseline (full prefill).
 *
 * <ol>
 *   <li><b>Throughput</b>, by the job's process wall time (what a user waits for): prompts/s,
 *   generated tokens/s, TTFT p50/p90 from the rows, the GPU's busy share (nvidia-smi's mean
 *   utilization over the run) and the speed-up over the baseline.</li>
 *   <li><b>Where the wall time goes</b>: outside the stages (JVM and Spark start, the driver's model
 *   checks, writing predictions and summary), model loads (disk and host-to-device copies, from
 *   the log), GPU work (device-held batch times from the rows), and the rest of the stages'
 *   wall time: Spark scheduling and shuffles, Parquet checkpoints, tokenization, host-side work
 *   while no batch holds the GPU.</li>
 *   <li><b>At scale</b>: the one-time costs (outside the stages, model loads) do not grow with the
 *   dataset, so prompts/s over the rest is what a long run converges to, and the speed-up there.</li>
 * </ol>
 */
final class JobBenchReport {
    private JobBenchReport() {
    }

    static String format(List<BenchRun> runs, double tokenizeSeconds) {
        BenchRun base = runs.get(0);
        StringBuilder out = new StringBuilder();
        out.append("Throughput (job wall time = the bin/specprefill run process; speed-up = baseline wall / wall):\n");
        out.append(String.format(Locale.ROOT, "%-16s | %4s | %3s | %7s | %5s | %7s | %9s | %9s | %8s | %8s | %8s | %8s%n",
                "config", "rows", "err", "N mean", "K/N", "wall s", "prompts/s", "gen tok/s", "TTFT p50", "TTFT p90",
                "GPU busy", "speed-up"));
        for (BenchRun r : runs) {
            out.append(String.format(Locale.ROOT, "%-16s | %4d | %3d | %7.0f | %5.3f | %7.1f | %9.3f | %9.1f | %6.0fms | %6.0fms | %7s | %7.2fx%n",
                    r.name(), r.rows(), r.errors(), ok(r) == 0 ? Double.NaN : (double) r.promptTokens() / ok(r),
                    r.promptTokens() == 0 ? Double.NaN : (double) r.keptTokens() / r.promptTokens(), r.wallSeconds(),
                    r.rows() / r.wallSeconds(), r.generatedTokens() / r.wallSeconds(), r.ttftMs().p50(), r.ttftMs().p90(),
                    percent(r.gpu().meanUtilization() / 100), base.wallSeconds() / r.wallSeconds()));
        }
        out.append("\nWhere the wall time goes (seconds; GPU work = batches holding the device, from the rows;"
                + " rest = stage time with no batch on the GPU):\n");
        out.append(String.format(Locale.ROOT, "%-16s | %7s | %8s | %7s | %7s | %8s | %8s | %9s | %7s | %7s | %8s%n",
                "config", "wall", "outside", "stage 1", "stage 2", "loads", "draft", "target", "rest", "rest %",
                "GPU work"));
        for (BenchRun r : runs) {
            double rest = r.stages() - r.modelLoads() - r.gpuWork();
            out.append(String.format(Locale.ROOT, "%-16s | %7.1f | %8.1f | %7.1f | %7.1f | %8.1f | %8.1f | %9.1f | %7.1f | %7s | %8s%n",
                    r.name(), r.wallSeconds(), r.wallSeconds() - r.stages(), r.stage1Seconds(), r.stage2Seconds(),
                    r.modelLoads(), r.draftWorkSeconds(), r.targetWorkSeconds(), rest,
                    percent(rest / (r.stages() - r.modelLoads())), percent(r.gpuWork() / r.wallSeconds())));
        }
        out.append("\nAt scale (one-time costs left out: outside the stages and model loads; they do not grow with the"
                + " number of prompts):\n");
        out.append(String.format(Locale.ROOT, "%-16s | %9s | %9s | %10s | %8s | %12s%n", "config", "seconds",
                "prompts/s", "prompts/h", "speed-up", "non-GPU %"));
        double baseSteady = steady(base);
        for (BenchRun r : runs) {
            double s = steady(r);
            out.append(String.format(Locale.ROOT, "%-16s | %9.1f | %9.3f | %10.0f | %7.2fx | %12s%n", r.name(), s,
                    r.rows() / s, 3600 * r.rows() / s, baseSteady / s, percent((s - r.gpuWork()) / s)));
        }
        out.append(notes(runs, tokenizeSeconds));
        return out.toString();
    }

    /** Stage time without model loads: what grows with the number of prompts. */
    static double steady(BenchRun r) {
        return r.stages() - r.modelLoads();
    }

    private static String notes(List<BenchRun> runs, double tokenizeSeconds) {
        List<String> lines = new ArrayList<>();
        if (tokenizeSeconds >= 0) {
            lines.add(String.format(Locale.ROOT, "tokenization of the batch, measured apart on one thread: %.1f s"
                    + " (inside 'rest' of stage 1; partitions tokenize in parallel)", tokenizeSeconds));
        }
        for (BenchRun r : runs) {
            List<String> loads = new ArrayList<>();
            r.modelLoadSeconds().forEach((model, s) -> loads.add(String.format(Locale.ROOT, "%s %.1f s", model, s)));
            lines.add(String.format(Locale.ROOT, "%s: %d draft batches, %d target batches; loads: %s; GPU samples %d,"
                            + " peak memory %.1f GiB%s%s", r.name(), (long) r.draftBatches(), (long) r.targetBatches(),
                    loads.isEmpty() ? "none logged" : String.join(", ", loads), r.gpu().count(),
                    r.gpu().peakMemoryMib() / 1024, r.exit() == 0 ? "" : "; EXIT " + r.exit(),
                    r.errorExamples().isEmpty() ? "" : "; errors: " + String.join(" | ", r.errorExamples())));
        }
        return "\n" + String.join("\n", lines) + "\n";
    }

    private static long ok(BenchRun r) {
        return r.rows() - r.errors();
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    static List<BenchRun> read(List<Path> dirs) {
        List<BenchRun> runs = new ArrayList<>();
        for (Path d : dirs) runs.add(BenchRun.read(d));
        return runs;
    }
}
