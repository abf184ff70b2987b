package io.specprefill.job.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project's table of LongBench v1 facts per dataset: the metric (LongBench's dataset2metric),
 * the category of the LongBench paper, whether the chat template is applied (pred.py skips it
 * for the few-shot and code datasets), whether only the first predicted line is scored
 * (eval.py), and samsum's stop at a newline. Prompt texts and generation lengths are NOT here:
 * {@link LongBenchPrompts} reads them from the user's LongBench config folder.
 */
public final class LongBenchDatasets {
    private LongBenchDatasets() {
    }

    /** The six task categories, in the order LongBench reports them. */
    public enum Category {
        SINGLE_DOC_QA("Single-Doc QA"),
        MULTI_DOC_QA("Multi-Doc QA"),
        SUMMARIZATION("Summarization"),
        FEW_SHOT("Few-shot Learning"),
        SYNTHETIC("Synthetic"),
        CODE("Code");

        public final String label;

        Category(String label) {
            this.label = label;
        }
    }

    /**
     * @param chatTemplate whether the model's chat template wraps the prompt
     * @param firstLineOnly whether eval.py scores only {@code pred.lstrip('\n').split('\n')[0]}
     * @param stopAtNewline whether generation stops at a newline (samsum)
     */
    public record Dataset(String name, LongBenchMetric metric, Category category, boolean chatTemplate,
                          boolean firstLineOnly, boolean stopAtNewline) {
    }

    private static final Map<String, Dataset> ALL = build();

    private static Map<String, Dataset> build() {
        Map<String, Dataset> m = new LinkedHashMap<>();
        Category sd = Category.SINGLE_DOC_QA;
        Category md = Category.MULTI_DOC_QA;
        Category su = Category.SUMMARIZATION;
        Category fs = Category.FEW_SHOT;
        Category sy = Category.SYNTHETIC;
        Category co = Category.CODE;
        add(m, "narrativeqa", LongBenchMetric.QA_F1, sd, true, false, false);
        add(m, "qasper", LongBenchMetric.QA_F1, sd, true, false, false);
        add(m, "multifieldqa_en", LongBenchMetric.QA_F1, sd, true, false, false);
        add(m, "multifieldqa_zh", LongBenchMetric.QA_F1_ZH, sd, true, false, false);
        add(m, "hotpotqa", LongBenchMetric.QA_F1, md, true, false, false);
        add(m, "2wikimqa", LongBenchMetric.QA_F1, md, true, false, false);
        add(m, "musique", LongBenchMetric.QA_F1, md, true, false, false);
        add(m, "dureader", LongBenchMetric.ROUGE_ZH, md, true, false, false);
        add(m, "gov_report", LongBenchMetric.ROUGE, su, true, false, false);
        add(m, "qmsum", LongBenchMetric.ROUGE, su, true, false, false);
        add(m, "multi_news", LongBenchMetric.ROUGE, su, true, false, false);
        add(m, "vcsum", LongBenchMetric.ROUGE_ZH, su, true, false, false);
        add(m, "trec", LongBenchMetric.CLASSIFICATION, fs, false, true, false);
        add(m, "triviaqa", LongBenchMetric.QA_F1, fs, false, true, false);
        add(m, "samsum", LongBenchMetric.ROUGE, fs, false, true, true);
        add(m, "lsht", LongBenchMetric.CLASSIFICATION, fs, false, true, false);
        add(m, "passage_count", LongBenchMetric.COUNT, sy, true, false, false);
        add(m, "passage_retrieval_en", LongBenchMetric.RETRIEVAL, sy, true, false, false);
        add(m, "passage_retrieval_zh", LongBenchMetric.RETRIEVAL_ZH, sy, true, false, false);
        add(m, "lcc", LongBenchMetric.CODE_SIM, co, false, false, false);
        add(m, "repobench-p", LongBenchMetric.CODE_SIM, co, false, false, false);
        return Collections.unmodifiableMap(m);
    }

    private static void add(Map<String, Dataset> m, String name, LongBenchMetric metric, Category category,
                            boolean chat, boolean firstLine, boolean stopNewline) {
        m.put(name, new Dataset(name, metric, category, chat, firstLine, stopNewline));
    }

    /** All 21 datasets in LongBench's order. */
    public static List<Dataset> all() {
        return new ArrayList<>(ALL.values());
    }

    public static boolean isKnown(String name) {
        return ALL.containsKey(name);
    }

    /** The dataset named {@code name}, or an error listing the known names. */
    public static Dataset get(String name) {
        Dataset d = ALL.get(name);
        if (d == null) {
            throw new IllegalArgumentException("unknown LongBench dataset '" + name + "'; known: " + ALL.keySet());
        }
        return d;
    }

    /** Whether scoring the dataset needs Chinese word segmentation. */
    public static boolean needsSegmentation(Dataset d) {
        return d.metric() == LongBenchMetric.QA_F1_ZH || d.metric() == LongBenchMetric.ROUGE_ZH;
    }
}
