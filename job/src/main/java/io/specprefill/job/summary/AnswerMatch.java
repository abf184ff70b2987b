package io.specprefill.job.summary;

import java.util.List;
import java.util.Locale;

/**
 * RULER's {@code string_match_all}: the fraction of reference answers that occur in the prediction,
 * case-insensitively. The summary's per-dataset accuracy is 100 x its mean over the rows with answers.
 */
public final class AnswerMatch {
    private AnswerMatch() {
    }

    /** In [0, 1]; a null prediction (a failed row) scores 0. */
    public static double stringMatchAll(String prediction, List<String> answers) {
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("string_match_all needs at least one answer");
        }
        if (prediction == null) {
            return 0.0;
        }
        String pred = prediction.toLowerCase(Locale.ROOT);
        long found = answers.stream().filter(a -> pred.contains(a.toLowerCase(Locale.ROOT))).count();
        return (double) found / answers.size();
    }
}
