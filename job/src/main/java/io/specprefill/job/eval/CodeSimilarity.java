package io.specprefill.job.eval;

/**
 * LongBench's {@code code_sim_score} (lcc, repobench-p): the first predicted line that is not a
 * comment or a code fence, compared with {@code fuzz.ratio} of fuzzywuzzy 0.18 as the official
 * environment ran it, i.e. on Python's difflib (python-Levenshtein was not installed; with it the
 * lcc score of the fixture would differ).
 */
public final class CodeSimilarity {
    private CodeSimilarity() {
    }

    /** code_sim_score(prediction, ground_truth) in [0, 1]. */
    public static double score(String prediction, String groundTruth) {
        String chosen = "";
        for (String line : PyText.split(PyText.lstrip(prediction, "\n"), "\n")) {
            if (!line.contains("`") && !line.contains("#") && !line.contains("//")) {
                chosen = line;
                break;
            }
        }
        return fuzzRatio(chosen, groundTruth) / 100.0;
    }

    /**
     * fuzz.ratio(s1, s2): 100 when equal (checked before emptiness, so two empty strings give 100),
     * 0 when one is empty, else int(round(100 * SequenceMatcher(None, s1, s2).ratio())) with
     * Python's ties-to-even rounding.
     */
    public static int fuzzRatio(String s1, String s2) {
        if (s1.equals(s2)) {
            return 100;
        }
        if (s1.isEmpty() || s2.isEmpty()) {
            return 0;
        }
        return (int) PyNumbers.roundToInt(100 * new SequenceMatcher(s1, s2).ratio());
    }
}
