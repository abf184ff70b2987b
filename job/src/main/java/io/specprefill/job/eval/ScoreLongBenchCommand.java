package io.specprefill.job.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.specprefill.job.eval.LongBenchDatasets.Category;
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

    /** CLI entry: a usage or input error prints one line and exits with status 2. */
    public static void main(String[] args) throws Exception {
        try {
            Options o = parse(args);
            if (o == null) {
                System.out.println(USAGE);
                return;
            }
            run(o, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("specprefill score-longbench: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Returns null for --help; throws IllegalArgumentException with the usage for bad flags. */
    static Options parse(String[] args) {
        Path dir = null;
        boolean json = false;
        boolean e = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--json" -> json = true;
                case "--e" -> e = true;
                case "--pred-dir" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--pred-dir needs a value\n" + USAGE);
                    }
                    dir = Path.of(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown flag '" + args[i] + "'\n" + USAGE);
            }
        }
        if (dir == null) {
            throw new IllegalArgumentException("--pred-dir is required\n" + USAGE);
        }
        return new Options(dir, json, e);
    }

    static void run(Options o, PrintStream out) throws Exception {
        Map<String, List<Prediction>> rows = LongBenchPredictionFiles.read(o.predDir(),
                warning -> System.err.println("specprefill score-longbench: " + warning));
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
