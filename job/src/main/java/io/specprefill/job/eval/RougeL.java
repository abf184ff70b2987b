package io.specprefill.job.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * LongBench's {@code rouge_score}: {@code Rouge().get_scores([pred], [gt], avg=True)["rouge-l"]["f"]}
 * of the {@code rouge} 1.0.1 package, any exception scoring 0.
 *
 * <p>What that package computes (summary-level ROUGE-L, exclusive): each text is split on "."
 * into sentences (non-empty pieces, whitespace collapsed by split/join, so a blank piece becomes
 * the empty sentence ""), a sentence's words are {@code sentence.split(" ")}; no lower-casing,
 * stemming or punctuation removal. m and n are the numbers of DISTINCT words of the reference
 * and the hypothesis. For each reference sentence and each hypothesis sentence one LCS is
 * reconstructed; the words of all those LCSs go into one set; llcs = its size;
 * R = llcs/m, P = llcs/n, F = 2PR/(P+R+1e-8).
 */
public final class RougeL {
    private RougeL() {
    }

    /** CPython's default recursion limit (sys.getrecursionlimit()). */
    static final int PYTHON_RECURSION_LIMIT = 1000;
    /**
     * Python frames on the stack when the LCS backtrack starts in the official run
     * ({@code eval.py} module, scorer, rouge_score, get_scores, _get_avg_scores, the metric lambda,
     * rouge_l_summary_level, _union_lcs, _recon_lcs). rouge_zh_score adds one more.
     */
    static final int CALLER_FRAMES = 9;

    /** rouge_score(prediction, ground_truth): ROUGE-L F, or 0 where the package raises. */
    public static double score(String prediction, String groundTruth) {
        return score(prediction, groundTruth, CALLER_FRAMES);
    }

    /**
     * @param callerFrames Python frames below the backtrack (see {@link #CALLER_FRAMES}); the
     *     package's recursive backtrack raises RecursionError once callerFrames + its depth exceeds
     *     {@link #PYTHON_RECURSION_LIMIT}, and LongBench scores that 0
     */
    static double score(String prediction, String groundTruth, int callerFrames) {
        List<String> hyp = sentences(prediction);
        List<String> ref = sentences(groundTruth);
        if (hyp.isEmpty() || ref.isEmpty()) {
            return 0.0; // ValueError("Collections must contain at least 1 sentence.")
        }
        int m = new HashSet<>(words(ref)).size();
        int n = new HashSet<>(words(hyp)).size();
        Set<String> union = new HashSet<>();
        for (String refSentence : ref) {
            String[] refWords = refSentence.split(" ", -1);
            for (String hypSentence : hyp) {
                String[] hypWords = hypSentence.split(" ", -1);
                List<String> lcs = reconstructLcs(refWords, hypWords, PYTHON_RECURSION_LIMIT - callerFrames);
                if (lcs == null) {
                    return 0.0; // RecursionError
                }
                union.addAll(lcs);
            }
        }
        double llcs = union.size();
        double r = llcs / m;
        double p = llcs / n;
        return 2.0 * ((p * r) / (p + r + 1e-8));
    }

    /** {@code [" ".join(s.split()) for s in text.split(".") if len(s) > 0]}. */
    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String piece : PyText.split(text, ".")) {
            if (!piece.isEmpty()) {
                out.add(String.join(" ", PyText.split(piece)));
            }
        }
        return out;
    }

    private static List<String> words(List<String> sentences) {
        List<String> out = new ArrayList<>();
        for (String s : sentences) {
            out.addAll(Arrays.asList(s.split(" ", -1)));
        }
        return out;
    }

    /**
     * The package's _lcs table plus its recursive _recon backtrack, written as a loop: from
     * (len(x), len(y)), equal words step diagonally (collected), else step up only when
     * table[i-1][j] is strictly greater than table[i][j-1], else left; stop at a zero index.
     * Returns null when the recursion would have exceeded maxDepth calls.
     */
    static List<String> reconstructLcs(String[] x, String[] y, int maxDepth) {
        int[][] table = new int[x.length + 1][y.length + 1];
        for (int i = 1; i <= x.length; i++) {
            for (int j = 1; j <= y.length; j++) {
                table[i][j] = x[i - 1].equals(y[j - 1])
                        ? table[i - 1][j - 1] + 1
                        : Math.max(table[i - 1][j], table[i][j - 1]);
            }
        }
        List<String> reversed = new ArrayList<>();
        int i = x.length;
        int j = y.length;
        int depth = 1; // the first _recon(len(x), len(y)) call
        while (i > 0 && j > 0) {
            if (x[i - 1].equals(y[j - 1])) {
                reversed.add(x[i - 1]);
                i--;
                j--;
            } else if (table[i - 1][j] > table[i][j - 1]) {
                i--;
            } else {
                j--;
            }
            depth++;
        }
        if (depth > maxDepth) {
            return null;
        }
        java.util.Collections.reverse(reversed);
        return reversed;
    }
}
