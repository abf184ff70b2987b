package io.specprefill.job.eval.ruler;

import io.specprefill.job.eval.PyNumbers;
import io.specprefill.job.eval.PyText;
import java.util.List;
import java.util.Locale;

/**
 * RULER's eval/evaluate.py: predictions are cleaned ({@code strip()}, every character in
 * [\x00-\x1f] becomes a newline, {@code strip()} again); a reference counts when its lower-cased
 * text occurs in the lower-cased prediction. string_match_all averages the share of references
 * found per sample; string_match_part averages whether any was found; both x 100, rounded to 2.
 */
public final class RulerScorer {
    private RulerScorer() {
    }

    /** postprocess_pred. */
    public static String postprocess(String prediction) {
        StringBuilder sb = new StringBuilder(PyText.strip(prediction));
        for (int i = 0; i < sb.length(); i++) {
            if (sb.charAt(i) <= 0x1f) {
                sb.setCharAt(i, '\n');
            }
        }
        return PyText.strip(sb.toString());
    }

    /** One sample of string_match_all: the share of references found, in [0, 1]. */
    public static double matchAll(String prediction, List<String> refs) {
        if (refs.isEmpty()) {
            throw new IllegalArgumentException("string_match_all needs at least one reference");
        }
        String pred = postprocess(prediction).toLowerCase(Locale.ROOT);
        double sum = 0;
        for (String r : refs) {
            sum += pred.contains(r.toLowerCase(Locale.ROOT)) ? 1.0 : 0.0;
        }
        return sum / refs.size();
    }

    /** One sample of string_match_part: 1 when any reference is found, else 0. */
    public static double matchPart(String prediction, List<String> refs) {
        if (refs.isEmpty()) {
            throw new IllegalArgumentException("string_match_part needs at least one reference");
        }
        String pred = postprocess(prediction).toLowerCase(Locale.ROOT);
        return refs.stream().anyMatch(r -> pred.contains(r.toLowerCase(Locale.ROOT))) ? 1.0 : 0.0;
    }

    /** string_match_all over samples: round(sum / n * 100, 2). */
    public static double stringMatchAll(List<String> preds, List<List<String>> refs) {
        return aggregate(preds, refs, true);
    }

    /** string_match_part over samples: round(sum / n * 100, 2). */
    public static double stringMatchPart(List<String> preds, List<List<String>> refs) {
        return aggregate(preds, refs, false);
    }

    private static double aggregate(List<String> preds, List<List<String>> refs, boolean all) {
        if (preds.size() != refs.size() || preds.isEmpty()) {
            throw new IllegalArgumentException("need as many references as predictions (at least one), got "
                    + preds.size() + " predictions and " + refs.size() + " reference lists");
        }
        double sum = 0;
        for (int i = 0; i < preds.size(); i++) {
            sum += all ? matchAll(preds.get(i), refs.get(i)) : matchPart(preds.get(i), refs.get(i));
        }
        return PyNumbers.round(sum / preds.size() * 100, 2);
    }
}
