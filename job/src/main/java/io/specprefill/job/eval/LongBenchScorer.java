package io.specprefill.job.eval;

import io.specprefill.job.eval.LongBenchDatasets.Category;
import io.specprefill.job.eval.LongBenchDatasets.Dataset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * LongBench v1's eval.py: per-sample max over answers, per-dataset {@code round(100 * mean, 2)},
 * LongBench-E length buckets, plus the category means and their average that the LongBench
 * paper reports.
 */
public final class LongBenchScorer {
    /** One prediction line: {@code {"pred", "answers", "all_classes", "length"}}. */
    public record Prediction(String pred, List<String> answers, List<String> allClasses, Integer length) {
    }

    /** LongBench-E's buckets by the row's {@code length} (words of the context). */
    public static final List<String> BUCKETS = List.of("0-4k", "4-8k", "8k+");

    private final Supplier<ChineseSegmenter> segmenterFactory;
    private ChineseSegmenter segmenter;

    /** @param segmenterFactory made on first use only, since loading a dictionary costs seconds */
    public LongBenchScorer(Supplier<ChineseSegmenter> segmenterFactory) {
        this.segmenterFactory = segmenterFactory;
    }

    /**
     * One sample: first line only for trec/triviaqa/samsum/lsht, then
     * {@code max(0, max over answers of metric(pred, answer, all_classes))}.
     */
    public double sampleScore(Dataset dataset, String pred, List<String> answers, List<String> allClasses) {
        String prediction = dataset.firstLineOnly() ? PyText.split(PyText.lstrip(pred, "\n"), "\n").get(0) : pred;
        ChineseSegmenter seg = LongBenchDatasets.needsSegmentation(dataset) ? segmenter() : null;
        double score = 0.0;
        for (String answer : answers) {
            score = Math.max(score, dataset.metric().score(prediction, answer, allClasses, seg));
        }
        return score;
    }

    private ChineseSegmenter segmenter() {
        if (segmenter == null) {
            segmenter = segmenterFactory.get();
        }
        return segmenter;
    }

    /**
     * eval.py's scorer: {@code round(100 * total / n, 2)} with a left-to-right total. As in
     * eval.py, the all_classes of the LAST row serve every row.
     */
    public double score(Dataset dataset, List<Prediction> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(dataset.name() + ": no predictions to score");
        }
        List<String> allClasses = rows.get(rows.size() - 1).allClasses();
        double total = 0.0;
        for (Prediction p : rows) {
            total += sampleScore(dataset, p.pred(), p.answers(), allClasses);
        }
        return PyNumbers.round(100 * total / rows.size(), 2);
    }

    /**
     * eval.py's scorer_e: samples bucketed by length (&lt; 4000, &lt; 8000, else), each bucket
     * {@code round(100 * np.mean(scores), 2)}; an empty bucket is NaN as numpy makes it.
     */
    public Map<String, Double> scoreE(Dataset dataset, List<Prediction> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(dataset.name() + ": no predictions to score");
        }
        List<String> allClasses = rows.get(rows.size() - 1).allClasses();
        List<List<Double>> buckets = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int r = 0; r < rows.size(); r++) {
            Prediction p = rows.get(r);
            if (p.length() == null) {
                throw new IllegalArgumentException(dataset.name() + " row " + (r + 1)
                        + ": LongBench-E scoring needs a 'length' field");
            }
            double s = sampleScore(dataset, p.pred(), p.answers(), allClasses);
            buckets.get(p.length() < 4000 ? 0 : p.length() < 8000 ? 1 : 2).add(s);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int b = 0; b < BUCKETS.size(); b++) {
            double[] values = buckets.get(b).stream().mapToDouble(Double::doubleValue).toArray();
            out.put(BUCKETS.get(b), PyNumbers.round(100 * PyNumbers.npMean(values), 2));
        }
        return out;
    }

    /** Mean score of each category over the datasets present in {@code scores} (dataset -> score). */
    public static Map<Category, Double> categoryMeans(Map<String, Double> scores) {
        Map<Category, double[]> sums = new EnumMap<>(Category.class);
        for (Map.Entry<String, Double> e : scores.entrySet()) {
            Category c = LongBenchDatasets.get(e.getKey()).category();
            double[] acc = sums.computeIfAbsent(c, k -> new double[2]);
            acc[0] += e.getValue();
            acc[1] += 1;
        }
        Map<Category, Double> out = new EnumMap<>(Category.class);
        sums.forEach((c, acc) -> out.put(c, acc[0] / acc[1]));
        return out;
    }

    /** The average of the category means (the LongBench paper's "Avg" over six categories). */
    public static double average(Map<Category, Double> categoryMeans) {
        return categoryMeans.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
