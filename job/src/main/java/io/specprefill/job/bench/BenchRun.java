package io.specprefill.job.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.summary.Stats;
import io.specprefill.udf.task.ModelCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One configuration of a job benchmark, read back from the folder {@code scripts/job-bench.sh}
 * leaves (nothing here runs the job):
 * <pre>
 * DIR/run.json    {"name", "wall_s", "exit"}: the name and the process wall time of bin/specprefill run
 * DIR/job.log     its stdout and stderr (the "loaded DIR on cuda:0 in X s" lines)
 * DIR/gpu.csv     nvidia-smi samples "timestamp, utilization.gpu [%], memory.used [MiB]", every 200 ms
 * DIR/out/        the job's --output with --output-format jsonl: the rows, summary.json (stage times)
 * </pre>
 * GPU work comes from the rows (design.md 8): a row's draft_ms is the wall time of the draft batch
 * it was scored in, held on the device, so the distinct values add up to stage 1's device time;
 * rows of one target batch share prefill_ms, and that batch held the device for its prefill and
 * first token (ttft_ms - draft_ms) plus its longest decode (decode_ms).
 */
record BenchRun(String name, double wallSeconds, int exit, long rows, long errors, long promptTokens,
                long keptTokens, long generatedTokens, Stats ttftMs, double stage1Seconds, double stage2Seconds,
                double draftWorkSeconds, double targetWorkSeconds, double draftBatches, double targetBatches,
                Map<String, Double> modelLoadSeconds, GpuSamples gpu, List<String> errorExamples) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** ModelCache.loadedMessage's line; "(weights ...)" is absent in logs from before FP8 weights. */
    private static final Pattern LOADED = Pattern.compile("loaded (\\S+) on (\\S+)(?: \\(weights \\S+\\))? in ([0-9.]+) s");
    private static final Pattern WAITED = Pattern.compile("waited ([0-9.]+) s for (\\S+) on (\\S+) \\(its prefetch");

    /** nvidia-smi's samples: how many, the mean utilization (%), the peak memory used (MiB); NaN without samples. */
    record GpuSamples(int count, double meanUtilization, double peakMemoryMib) {
        static final GpuSamples NONE = new GpuSamples(0, Double.NaN, Double.NaN);
    }

    double modelLoads() {
        return modelLoadSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    double gpuWork() {
        return draftWorkSeconds + targetWorkSeconds;
    }

    double stages() {
        return stage1Seconds + stage2Seconds;
    }

    static BenchRun read(Path dir) {
        JsonNode run = json(dir.resolve("run.json"));
        Path out = dir.resolve("out");
        JsonNode summary = Files.isRegularFile(out.resolve("summary.json")) ? json(out.resolve("summary.json")) : null;
        List<JsonNode> rows = rows(out);
        long errors = 0, prompt = 0, kept = 0, generated = 0;
        List<Double> ttft = new ArrayList<>();
        Set<Double> draftBatches = new HashSet<>();
        Map<Double, double[]> targetBatches = new HashMap<>();   // prefill_ms -> {max(ttft - draft), max(decode)}
        List<String> examples = new ArrayList<>();
        for (JsonNode r : rows) {
            if (!r.path("error").isNull() && !r.path("error").isMissingNode()) {
                errors++;
                if (examples.size() < 3) examples.add(r.path("id").asText() + ": " + r.path("error").asText());
                continue;
            }
            prompt += r.path("prompt_tokens").asLong();
            kept += r.path("kept_tokens").asLong();
            generated += r.path("output_ids").size();
            double draft = r.path("draft_ms").asDouble();
            ttft.add(r.path("ttft_ms").asDouble());
            if (draft > 0) draftBatches.add(draft);
            double[] b = targetBatches.computeIfAbsent(r.path("prefill_ms").asDouble(), k -> new double[2]);
            b[0] = Math.max(b[0], r.path("ttft_ms").asDouble() - draft);
            b[1] = Math.max(b[1], r.path("decode_ms").asDouble());
        }
        double draftWork = draftBatches.stream().mapToDouble(Double::doubleValue).sum() / 1e3;
        double targetWork = targetBatches.values().stream().mapToDouble(b -> b[0] + b[1]).sum() / 1e3;
        JsonNode info = summary == null ? null : summary.path("run");
        return new BenchRun(run.path("name").asText(dir.getFileName().toString()), run.path("wall_s").asDouble(Double.NaN),
                run.path("exit").asInt(-1), rows.size(), errors, prompt, kept, generated,
                Stats.of(ttft.stream().mapToDouble(Double::doubleValue).toArray()),
                info == null ? Double.NaN : info.path("stage1_s").asDouble(Double.NaN),
                info == null ? Double.NaN : info.path("stage2_s").asDouble(Double.NaN), draftWork, targetWork,
                draftBatches.size(), targetBatches.size(), modelLoads(dir.resolve("job.log")),
                gpu(dir.resolve("gpu.csv")), examples);
    }

    /** The job's JSONL predictions: every *.jsonl directly in out/ (one per dataset). */
    private static List<JsonNode> rows(Path out) {
        List<JsonNode> rows = new ArrayList<>();
        if (!Files.isDirectory(out)) return rows;
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) rows.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot read the job's rows: " + e.getMessage(), e);
        }
        return rows;
    }

    /**
     * Model dir -> load seconds the stages paid, from the job log's "loaded DIR on DEVICE (weights W)
     * in X s" lines. A prefetched load (ModelCache.prefetch) ran beside the stage before, so only a
     * task's wait for it counts ("waited X s for DIR ...").
     */
    static Map<String, Double> modelLoads(Path log) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        if (!Files.isRegularFile(log)) return out;
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            lines.forEach(line -> {
                Matcher m = LOADED.matcher(line);
                if (m.find() && !line.contains(ModelCache.PREFETCHED_SUFFIX)) {
                    out.merge(Path.of(m.group(1)).getFileName().toString(), Double.parseDouble(m.group(3)), Double::sum);
                }
                Matcher w = WAITED.matcher(line);
                if (w.find()) out.merge(Path.of(w.group(2)).getFileName().toString(), Double.parseDouble(w.group(1)), Double::sum);
            });
        } catch (IOException | UncheckedIOException e) {
            return out;
        }
        return out;
    }

    /** nvidia-smi CSV lines "timestamp, util, memory" (units left out or not); unreadable lines are skipped. */
    static GpuSamples gpu(Path csv) {
        if (!Files.isRegularFile(csv)) return GpuSamples.NONE;
        int n = 0;
        double util = 0, mem = 0;
        try (Stream<String> lines = Files.lines(csv, StandardCharsets.UTF_8)) {
            for (String line : (Iterable<String>) lines::iterator) {
                String[] f = line.split(",");
                if (f.length < 3) continue;
                try {
                    double u = Double.parseDouble(f[1].replace("%", "").trim());
                    double m = Double.parseDouble(f[2].replace("MiB", "").trim());
                    util += u;
                    mem = Math.max(mem, m);
                    n++;
                } catch (NumberFormatException e) {
                    // a header or a partial last line
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return GpuSamples.NONE;
        }
        return n == 0 ? GpuSamples.NONE : new GpuSamples(n, util / n, mem);
    }

    private static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable JSON: " + e.getMessage(), e);
        }
    }
}
