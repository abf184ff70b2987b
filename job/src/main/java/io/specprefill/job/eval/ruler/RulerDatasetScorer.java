package io.specprefill.job.eval.ruler;

import io.specprefill.job.summary.DatasetScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Adds RULER's official {@code string_match_all} (x 100, rounded to 2) to the job's run summary
 * for rows whose dataset is a RULER task name (as {@code ruler-generate} writes them).
 */
public final class RulerDatasetScorer implements DatasetScorer {
    public static final String KEY = "string_match_all";

    @Override
    public Map<String, Double> score(String dataset, List<Prediction> predictions) {
        if (!RulerTasks.names().contains(dataset) || predictions.isEmpty()
                || predictions.stream().anyMatch(p -> p.answers().isEmpty())) {
            return Map.of();
        }
        List<String> preds = new ArrayList<>();
        List<List<String>> refs = new ArrayList<>();
        for (Prediction p : predictions) {
            preds.add(p.pred());
            refs.add(p.answers());
        }
        return Map.of(KEY, RulerScorer.stringMatchAll(preds, refs));
    }
}
