package io.specprefill.job.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric functions of LongBench/metrics.py, by their official names. */
public enum LongBenchMetric {
    QA_F1("qa_f1_score"),
    QA_F1_ZH("qa_f1_zh_score"),
    ROUGE("rouge_score"),
    ROUGE_ZH("rouge_zh_score"),
    CLASSIFICATION("classification_score"),
    RETRIEVAL("retrieval_score"),
    RETRIEVAL_ZH("retrieval_zh_score"),
    COUNT("count_score"),
    CODE_SIM("code_sim_score");

    /** Python's {@code \d} on str patterns is any Unicode decimal digit (Nd), not just 0-9. */
    private static final Pattern NUMBER = Pattern.compile("\\d+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PARAGRAPH_EN = Pattern.compile("Paragraph (\\d+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PARAGRAPH_ZH = Pattern.compile("段落(\\d+)", Pattern.UNICODE_CHARACTER_CLASS);

    public final String officialName;

    LongBenchMetric(String officialName) {
        this.officialName = officialName;
    }

    /**
     * The metric of one (prediction, ground truth) pair.
     *
     * @param allClasses the dataset's class list (classification only; may be empty otherwise)
     * @param segmenter Chinese word segmentation (the _zh metrics only)
     */
    public double score(String prediction, String groundTruth, List<String> allClasses, ChineseSegmenter segmenter) {
        switch (this) {
            case QA_F1: return QaF1.qaF1(prediction, groundTruth);
            case QA_F1_ZH: return QaF1.qaF1Zh(prediction, groundTruth, segmenter);
            case ROUGE: return RougeL.score(prediction, groundTruth);
            case ROUGE_ZH: return RougeL.score(joinCut(prediction, segmenter), joinCut(groundTruth, segmenter),
                    RougeL.CALLER_FRAMES + 1);
            case CLASSIFICATION: return classification(prediction, groundTruth, allClasses);
            case RETRIEVAL: return numberShare(prediction, firstGroup(PARAGRAPH_EN, groundTruth));
            case RETRIEVAL_ZH: return numberShare(prediction, firstGroup(PARAGRAPH_ZH, groundTruth));
            case COUNT: return numberShare(prediction, groundTruth);
            case CODE_SIM: return CodeSimilarity.score(prediction, groundTruth);
            default: throw new AssertionError(this);
        }
    }

    /** rouge_zh_score's {@code " ".join(jieba.cut(x))}. */
    private static String joinCut(String text, ChineseSegmenter segmenter) {
        return String.join(" ", segmenter.cut(text));
    }

    /**
     * classification_score, quirk included: the classes found in the prediction are filtered
     * by Python's {@code for t in matches: if t in gt and t != gt: matches.remove(t)}, which
     * mutates the list while iterating (the element after a removed one is never examined, and
     * remove() deletes the first equal element).
     */
    static double classification(String prediction, String groundTruth, List<String> allClasses) {
        List<String> matches = new ArrayList<>();
        for (String c : allClasses) {
            if (prediction.contains(c)) {
                matches.add(c);
            }
        }
        for (int index = 0; index < matches.size(); index++) {
            String term = matches.get(index);
            if (groundTruth.contains(term) && !term.equals(groundTruth)) {
                matches.remove(term);
            }
        }
        return matches.contains(groundTruth) ? 1.0 / matches.size() : 0.0;
    }

    private static String firstGroup(Pattern pattern, String groundTruth) {
        Matcher m = pattern.matcher(groundTruth);
        if (!m.find()) {
            throw new IllegalArgumentException("ground truth '" + groundTruth + "' has no match of "
                    + pattern.pattern() + " (the official scorer fails here too)");
        }
        return m.group(1);
    }

    /** retrieval/count: the share of the numbers in the prediction that equal the target, 0 when none. */
    static double numberShare(String prediction, String target) {
        Matcher m = NUMBER.matcher(prediction);
        int total = 0;
        int right = 0;
        while (m.find()) {
            total++;
            if (m.group().equals(target)) {
                right++;
            }
        }
        return total == 0 ? 0.0 : (double) right / total;
    }
}
