package io.specprefill.job.eval.sweep;

import io.specprefill.job.eval.LongBenchDatasetScorer;
import io.specprefill.job.eval.LongBenchDatasets.Category;
import io.specprefill.job.eval.LongBenchScorer;
import io.specprefill.job.eval.PyNumbers;
import io.specprefill.job.eval.ruler.RulerDatasetScorer;
import io.specprefill.job.summary.RunSummary;
import io.specprefill.job.summary.RunSummary.DatasetSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * sweep.md: a quality table (one line per dataset, LongBench category and the LongBench average;
 * one column per run) and a speed table (one line per run: keep ratio, TTFT p50 and mean, and the
 * TTFT speed-up against the baseline, keep 1.0).
 *
 * <p>A dataset's score is the official one its summary carries: LongBench's for LongBench datasets,
 * RULER's string_match_all for RULER task names; other datasets whose rows carry answers get
 * string_match_all over those answers (the summary's accuracy, rounded to 2). Datasets without
 * answers have no score.
 */
public final class SweepTable {
    private SweepTable() {
    }

    /** A dataset's score and the metric's name. */
    record Score(String metric, double value) {
    }

    public static String format(List<Sweep.Outcome> outcomes) {
        return "## Quality\n\n" + quality(outcomes) + "\n## Speed\n\n" + speed(outcomes);
    }

    /** The score of one dataset of one run, or null when its rows carry no answers. */
    static Score score(String dataset, DatasetSummary d) {
        if (d.scores().containsKey(LongBenchDatasetScorer.KEY)) {
            return new Score("LongBench", d.scores().get(LongBenchDatasetScorer.KEY));
        }
        if (d.scores().containsKey(RulerDatasetScorer.KEY)) {
            return new Score("RULER string_match_all", d.scores().get(RulerDatasetScorer.KEY));
        }
        return d.accuracy() == null ? null : new Score("string_match_all", PyNumbers.round(d.accuracy(), 2));
    }

    static String quality(List<Sweep.Outcome> outcomes) {
        TreeSet<String> datasets = new TreeSet<>();
        outcomes.forEach(o -> datasets.addAll(o.summary().datasets().keySet()));
        StringBuilder out = new StringBuilder();
        List<String> header = new ArrayList<>(List.of("dataset", "metric"));
        outcomes.forEach(o -> header.add(o.run().label()));
        row(out, header);
        row(out, header.stream().map(h -> h.equals("dataset") || h.equals("metric") ? "---" : "---:").toList());
        List<Map<String, Double>> longBench = new ArrayList<>();
        outcomes.forEach(o -> longBench.add(new LinkedHashMap<>()));
        for (String dataset : datasets) {
            String metric = null;
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < outcomes.size(); i++) {
                DatasetSummary d = outcomes.get(i).summary().datasets().get(dataset);
                Score s = d == null ? null : score(dataset, d);
                cells.add(s == null ? "-" : String.format(Locale.ROOT, "%.2f", s.value()));
                if (s != null) {
                    metric = s.metric();
                    if (s.metric().equals("LongBench")) {
                        longBench.get(i).put(dataset, s.value());
                    }
                }
            }
            List<String> line = new ArrayList<>(List.of(dataset, metric == null ? "no answers" : metric));
            line.addAll(cells);
            row(out, line);
        }
        categories(out, longBench);
        return out.toString();
    }

    /** LongBench category means and the average of the categories present, per run. */
    private static void categories(StringBuilder out, List<Map<String, Double>> longBench) {
        if (longBench.stream().allMatch(Map::isEmpty)) {
            return;
        }
        List<Map<Category, Double>> means = longBench.stream().map(LongBenchScorer::categoryMeans).toList();
        for (Category c : Category.values()) {
            if (means.stream().noneMatch(m -> m.containsKey(c))) {
                continue;
            }
            List<String> line = new ArrayList<>(List.of("*" + c.label + "*", "LongBench category mean"));
            means.forEach(m -> line.add(m.containsKey(c) ? String.format(Locale.ROOT, "%.2f", m.get(c)) : "-"));
            row(out, line);
        }
        int present = means.stream().mapToInt(Map::size).max().orElse(0);
        List<String> line = new ArrayList<>(List.of("**LongBench average**", "mean of the " + present + " categories"
                + (present == Category.values().length ? "" : " present (of 6)")));
        means.forEach(m -> line.add(String.format(Locale.ROOT, "%.2f", LongBenchScorer.average(m))));
        row(out, line);
    }

    static String speed(List<Sweep.Outcome> outcomes) {
        RunSummary base = outcomes.stream().filter(o -> o.run().baseline()).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("a sweep table needs the keep 1.0 baseline run"))
                .summary();
        StringBuilder out = new StringBuilder();
        row(out, List.of("run", "keep", "lookahead", "rows", "errors", "mean keep ratio", "TTFT p50 ms", "TTFT mean ms",
                "speed-up p50", "speed-up mean", "wall s"));
        row(out, List.of("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"));
        for (Sweep.Outcome o : outcomes) {
            RunSummary s = o.summary();
            row(out, List.of(o.run().label(), Sweep.trim(o.run().keep()),
                    o.run().baseline() ? "-" : String.valueOf(o.run().lookahead()), String.valueOf(s.rows()),
                    String.valueOf(s.errors()), f3(s.meanKeepRatio()), f1(s.ttftMs().p50()), f1(s.ttftMs().mean()),
                    speedUp(base.ttftMs().p50(), s.ttftMs().p50()), speedUp(base.ttftMs().mean(), s.ttftMs().mean()),
                    f1(o.seconds())));
        }
        return out.toString();
    }

    /** baseline / run, e.g. "3.42x"; "-" when either is missing. */
    static String speedUp(double baseline, double run) {
        return baseline > 0 && run > 0 ? String.format(Locale.ROOT, "%.2fx", baseline / run) : "-";
    }

    private static String f1(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f3(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static void row(StringBuilder out, List<String> cells) {
        out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
}
