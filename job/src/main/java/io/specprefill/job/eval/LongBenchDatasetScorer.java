package io.specprefill.job.eval;

import io.specprefill.job.summary.DatasetScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Adds LongBench's official score to the job's run summary for every LongBench dataset (found
 * through {@code META-INF/services}); other datasets get nothing from it.
 */
public final class LongBenchDatasetScorer implements DatasetScorer {
    /** The summary key of the score (0 to 100, as LongBench's result.json). */
    public static final String KEY = "longbench";

    private final LongBenchScorer scorer = new LongBenchScorer(JiebaCut::load);

    @Override
    public Map<String, Double> score(String dataset, List<Prediction> predictions) {
        if (!LongBenchDatasets.isKnown(dataset) || predictions.isEmpty()
                || predictions.stream().anyMatch(p -> p.answers().isEmpty())) {
            return Map.of();
        }
        List<LongBenchScorer.Prediction> rows = new ArrayList<>(predictions.size());
        for (Prediction p : predictions) {
            rows.add(new LongBenchScorer.Prediction(p.pred(), p.answers(), p.allClasses(),
                    p.length() < 0 ? null : p.length()));
        }
        return Map.of(KEY, scorer.score(LongBenchDatasets.get(dataset), rows));
    }
}
