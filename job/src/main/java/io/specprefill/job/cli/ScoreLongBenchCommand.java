package io.specprefill.job.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.specprefill.job.config.Command;
import io.specprefill.job.config.Flags;
import io.specprefill.job.config.Flags.UsageException;
import io.specprefill.job.eval.JiebaCut;
import io.specprefill.job.eval.LongBenchDatasets;
import io.specprefill.job.eval.LongBenchDatasets.Category;
import io.specprefill.job.eval.LongBenchPredictionFiles;
import io.specprefill.job.eval.LongBenchScorer;
import io.specprefill.job.eval.LongBenchScorer.Prediction;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code specprefill score-longbench --pred-dir DIR [--json] [--e]}: LongBench v1's eval.py over
 * a folder of prediction files. Prints one score per dataset, the category means and their
 * average; {@code --json} prints one JSON object dataset -> score instead (as eval.py's
 * result.json); {@code --e} scores LongBench-E's length buckets.
 */
public final class ScoreLongBenchCommand {
    private ScoreLongBenchCommand() {
    }

    static final String USAGE = String.join("\n",
            "usage: specprefill score-longbench --pred-dir DIR [--json] [--e]",
            "  --pred-dir DIR  folder of <dataset>.jsonl files ({pred, answers, all_classes, length} a line),",
            "                  or the job's JSONL output (output_text + dataset columns)",
            "  --json          print one JSON object dataset -> score (LongBench's result.json)",
            "  --e             LongBench-E: scores per length bucket 0-4k, 4-8k, 8k+");

    /** Parsed flags. */
    record Options(Path predDir, boolean json, boolean lengthBuckets) {
    }

    /** The flags and the prediction files read (a bad file is bad input: exit status 2). */
    record Ready(Options options, Map<String, List<Prediction>> rows) {
    }

    static final Command<Ready> COMMAND = new Command<>("score-longbench", USAGE, args -> {
        Options o = parse(args);
        return new Ready(o, LongBenchPredictionFiles.read(o.predDir(),
                warning -> System.err.println("specprefill: score-longbench: " + warning)));
    }, (ready, out, err) -> run(ready.options(), ready.rows(), out));

    /** Throws {@link UsageException} naming the flag. */
    static Options parse(String[] args) {
        Path dir = null;
        boolean json = false;
        boolean e = false;
        Flags f = new Flags(args);
        while (f.next()) {
            f.requireFlag();
            switch (f.flag()) {
                case "--json" -> {
                    f.noValue();
                    json = true;
                }
                case "--e" -> {
                    f.noValue();
                    e = true;
                }
                case "--pred-dir" -> dir = f.path();
                default -> throw f.unknown();
            }
        }
        if (dir == null) {
            throw new UsageException("--pred-dir is required");
        }
        return new Options(dir, json, e);
    }

    static void run(Options o, Map<String, List<Prediction>> rows, PrintStream out) throws Exception {
        LongBenchScorer scorer = new LongBenchScorer(JiebaCut::load);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (o.lengthBuckets()) {
            Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
            rows.forEach((d, r) -> scores.put(d, scorer.scoreE(LongBenchDatasets.get(d), r)));
            out.println(o.json() ? json.writeValueAsString(scores) : bucketTable(scores, rows));
            return;
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        rows.forEach((d, r) -> scores.put(d, scorer.score(LongBenchDatasets.get(d), r)));
        out.println(o.json() ? json.writeValueAsString(scores) : table(scores, rows));
    }

    /** The readable table: dataset, metric, rows, score; then category means and their average. */
    static String table(Map<String, Double> scores, Map<String, List<Prediction>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %-22s %6s %8s%n", "dataset", "metric", "rows", "score"));
        scores.forEach((d, s) -> sb.append(String.format(Locale.ROOT, "%-22s %-22s %6d %8.2f%n", d,
                LongBenchDatasets.get(d).metric().officialName, rows.get(d).size(), s)));
        Map<Category, Double> categories = LongBenchScorer.categoryMeans(scores);
        sb.append(String.format(Locale.ROOT, "%n%-52s %8s%n", "category (mean of its datasets present)", "score"));
        categories.forEach((c, s) -> sb.append(String.format(Locale.ROOT, "%-52s %8.2f%n", c.label, s)));
        String avgLabel = categories.size() == Category.values().length
                ? "average of the 6 categories"
                : "average of the " + categories.size() + " categories present (of 6)";
        sb.append(String.format(Locale.ROOT, "%-52s %8.2f", avgLabel, LongBenchScorer.average(categories)));
        return sb.toString();
    }

    private static String bucketTable(Map<String, Map<String, Double>> scores, Map<String, List<Prediction>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %6s", "dataset", "rows"));
        LongBenchScorer.BUCKETS.forEach(b -> sb.append(String.format(Locale.ROOT, " %8s", b)));
        scores.forEach((d, byBucket) -> {
            sb.append(String.format(Locale.ROOT, "%n%-22s %6d", d, rows.get(d).size()));
            byBucket.values().forEach(s -> sb.append(String.format(Locale.ROOT, " %8.2f", s)));
        });
        return sb.toString();
    }
}
