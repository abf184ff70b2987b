package io.specprefill.job.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LongBench's token F1 ({@code qa_f1_score}, {@code qa_f1_zh_score}, {@code f1_score} in
 * LongBench/metrics.py): multiset overlap of normalised tokens.
 */
public final class QaF1 {
    private QaF1() {
    }

    /** Python's {@code string.punctuation}. */
    static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /** The Chinese punctuation LongBench's normalize_zh_answer drops, in addition to ASCII punctuation. */
    static final String CN_PUNCTUATION = "！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～｟｠｢｣､、〃》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰〾〿–—‘’‛“”„‟…‧﹏.";

    /** English F1 over {@link #normalizeAnswer} tokens. */
    public static double qaF1(String prediction, String groundTruth) {
        return f1(PyText.split(normalizeAnswer(prediction)), PyText.split(normalizeAnswer(groundTruth)));
    }

    /** Chinese F1: segment, normalise every token, drop empty ones, then F1. */
    public static double qaF1Zh(String prediction, String groundTruth, ChineseSegmenter segmenter) {
        return f1(zhTokens(prediction, segmenter), zhTokens(groundTruth, segmenter));
    }

    private static List<String> zhTokens(String text, ChineseSegmenter segmenter) {
        List<String> out = new ArrayList<>();
        for (String token : segmenter.cut(text)) {
            String norm = normalizeZhAnswer(token);
            if (!norm.isEmpty()) {
                out.add(norm);
            }
        }
        return out;
    }

    /**
     * normalize_answer: lower, drop ASCII punctuation, replace each article ("a", "an", "the"
     * between Python regex word boundaries) by a space, collapse whitespace.
     */
    public static String normalizeAnswer(String s) {
        String text = PyText.removeChars(PyText.lower(s), ASCII_PUNCTUATION);
        return String.join(" ", PyText.split(removeArticles(text)));
    }

    /** normalize_zh_answer: lower, drop ASCII and Chinese punctuation, remove all whitespace. */
    public static String normalizeZhAnswer(String s) {
        String text = PyText.removeChars(PyText.lower(s), ASCII_PUNCTUATION + CN_PUNCTUATION);
        return String.join("", PyText.split(text));
    }

    /**
     * {@code re.sub(r"\b(a|an|the)\b", " ", text)}: scanning left to right, an alternative is
     * taken at a word boundary when a boundary follows it too (the regex tries a, then an, then
     * the); matches do not overlap.
     */
    static String removeArticles(String text) {
        int[] cps = PyText.codePoints(text);
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < cps.length) {
            int len = boundaryAt(cps, i) ? articleLength(cps, i) : 0;
            if (len > 0) {
                out.append(' ');
                i += len;
            } else {
                out.appendCodePoint(cps[i]);
                i++;
            }
        }
        return out.toString();
    }

    private static int articleLength(int[] cps, int at) {
        for (String article : new String[] {"a", "an", "the"}) {
            int n = article.length();
            if (at + n <= cps.length && matches(cps, at, article) && boundaryAt(cps, at + n)) {
                return n;
            }
        }
        return 0;
    }

    private static boolean matches(int[] cps, int at, String word) {
        for (int k = 0; k < word.length(); k++) {
            if (cps[at + k] != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Python's {@code \b} at position i: word-ness differs on the two sides (outside = non-word). */
    private static boolean boundaryAt(int[] cps, int i) {
        boolean before = i > 0 && PyText.isWordChar(cps[i - 1]);
        boolean after = i < cps.length && PyText.isWordChar(cps[i]);
        return before != after;
    }

    /**
     * f1_score: overlap = sum of per-token min counts (Counter &); 0 when nothing overlaps;
     * P = same/len(pred), R = same/len(gt), F1 = 2PR/(P+R), in Python's operation order.
     */
    public static double f1(List<String> prediction, List<String> groundTruth) {
        Map<String, Integer> gtCounts = new HashMap<>();
        for (String t : groundTruth) {
            gtCounts.merge(t, 1, Integer::sum);
        }
        Map<String, Integer> predCounts = new HashMap<>();
        for (String t : prediction) {
            predCounts.merge(t, 1, Integer::sum);
        }
        int numSame = 0;
        for (Map.Entry<String, Integer> e : predCounts.entrySet()) {
            numSame += Math.min(e.getValue(), gtCounts.getOrDefault(e.getKey(), 0));
        }
        if (numSame == 0) {
            return 0.0;
        }
        double precision = 1.0 * numSame / prediction.size();
        double recall = 1.0 * numSame / groundTruth.size();
        return (2 * precision * recall) / (precision + recall);
    }
}
