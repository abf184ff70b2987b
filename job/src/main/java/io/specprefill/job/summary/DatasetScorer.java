package io.specprefill.job.summary;

import java.util.List;
import java.util.Map;

/**
 * The hook for official metrics in the run summary (e.g. LongBench's per-dataset scores). The
 * summary finds implementations with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/io.specprefill.job.summary.DatasetScorer}) and adds what each returns
 * under the dataset's {@code scores}.
 */
public interface DatasetScorer {

    /** One prediction as LongBench's scorer sees it. */
    record Prediction(String pred, List<String> answers, List<String> allClasses, int length) {
    }

    /**
     * Scores of one dataset's predictions, metric name to value (LongBench: 0 to 100); an empty
     * map when this scorer does not know the dataset.
     */
    Map<String, Double> score(String dataset, List<Prediction> predictions);
}
