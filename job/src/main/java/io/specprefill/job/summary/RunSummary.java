package io.specprefill.job.summary;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.specprefill.job.io.Rows;
import io.specprefill.job.summary.DatasetScorer.Prediction;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * The run summary (summary.json and the table on stdout): row and token totals, the keep ratio,
 * percentiles of the per-row timings over the rows without error, and per dataset the rows,
 * errors and, where rows have answers, RULER's string-match accuracy plus whatever the
 * {@link DatasetScorer}s add (LongBench's official scores). A value that no row gives (a mean over
 * no rows) is NaN here and null in summary.json.
 *
 * @param keepRatio     the effective keep ratio: kept tokens / prompt tokens over the rows without
 *                      error; above keep p on short prompts (the first token and the last keep_tail
 *                      are always kept, and chunks whole)
 * @param meanKeepRatio the mean of the rows' K/N over the rows without error
 * @param run           the stage timings and what was resumed; null until the job sets it
 */
public record RunSummary(long rows, long errors, @JsonProperty("prompt_tokens") long promptTokens,
                         @JsonProperty("kept_tokens") long keptTokens, @JsonProperty("output_tokens") long outputTokens,
                         @JsonProperty("keep_ratio") double keepRatio,
                         @JsonProperty("mean_keep_ratio") double meanKeepRatio, @JsonProperty("ttft_ms") Stats ttftMs,
                         @JsonProperty("prefill_ms") Stats prefillMs, @JsonProperty("draft_ms") Stats draftMs,
                         @JsonProperty("decode_ms") Stats decodeMs, Map<String, DatasetSummary> datasets,
                         @JsonProperty("error_examples") List<String> errorExamples, RunInfo run) {

    /** Rows without a dataset are summarized under this name. */
    public static final String NO_DATASET = "(none)";
    static final int ERROR_EXAMPLES = 5;

    /**
     * @param accuracy 100 x mean string_match_all over the rows with answers; null when none has answers
     * @param scores   metric name to value from the {@link DatasetScorer}s
     */
    public record DatasetSummary(long rows, long errors, Double accuracy,
                                 @JsonProperty("mean_keep_ratio") double meanKeepRatio, Map<String, Double> scores) {
    }

    /**
     * @param input         the --input path
     * @param stage1        what stage 1 did: {@value #SCORED} (the draft scored the prompts),
     *                      {@value #NO_DRAFT} (prompts tokenized, every token kept: keep 1 or --draft none),
     *                      or {@value #RESUMED} (its checkpoint was reused)
     * @param stage2        {@value #GENERATED}, or {@value #RESUMED}
     * @param rowsScored    rows the draft scored in this run (0 without a draft, or when resumed)
     * @param rowsTokenized rows stage 1 tokenized in this run (rows with a reader error bypass it)
     * @param stage1Seconds wall time of stage 1 (about 0 when resumed)
     * @param stage2Seconds wall time of stage 2
     * @param keep          the configured keep fraction p (1 without a draft)
     * @param chunkSize     C, for the keep-ratio note
     * @param keepTail      tokens kept at each prompt's end, for the keep-ratio note
     */
    public record RunInfo(String label, String input, String output, @JsonProperty("output_format") String outputFormat,
                          String stage1, String stage2, @JsonProperty("rows_scored") long rowsScored,
                          @JsonProperty("rows_tokenized") long rowsTokenized,
                          @JsonProperty("stage1_s") double stage1Seconds, @JsonProperty("stage2_s") double stage2Seconds,
                          double keep, @JsonProperty("chunk_size") int chunkSize, @JsonProperty("keep_tail") int keepTail) {
        public static final String SCORED = "scored";
        public static final String NO_DRAFT = "no draft";
        public static final String RESUMED = "resumed";
        public static final String GENERATED = "generated";
    }

    public RunSummary withRun(RunInfo info) {
        return new RunSummary(rows, errors, promptTokens, keptTokens, outputTokens, keepRatio, meanKeepRatio, ttftMs,
                prefillMs, draftMs, decodeMs, datasets, errorExamples, info);
    }

    /** Summarizes {@code Schemas.RESULTS} (or {@code OUTPUT}) rows with the scorers on the classpath. */
    public static RunSummary of(Iterator<Row> results) {
        List<DatasetScorer> scorers = new ArrayList<>();
        ServiceLoader.load(DatasetScorer.class).forEach(scorers::add);
        return of(results, scorers);
    }

    public static RunSummary of(Iterator<Row> results, List<DatasetScorer> scorers) {
        Accumulator all = new Accumulator();
        Map<String, Accumulator> byDataset = new TreeMap<>();
        List<String> errorExamples = new ArrayList<>();
        while (results.hasNext()) {
            Row row = results.next();
            String dataset = row.getAs("dataset");
            all.add(row);
            byDataset.computeIfAbsent(dataset == null ? NO_DATASET : dataset, d -> new Accumulator()).add(row);
            String error = row.getAs("error");
            if (error != null && errorExamples.size() < ERROR_EXAMPLES) {
                errorExamples.add(row.getAs("id") + ": " + error);
            }
        }
        Map<String, DatasetSummary> datasets = new TreeMap<>();
        byDataset.forEach((name, acc) -> datasets.put(name, acc.datasetSummary(name, scorers)));
        return new RunSummary(all.rows, all.errors, all.promptTokens, all.keptTokens, all.outputTokens,
                all.promptTokens == 0 ? Double.NaN : (double) all.keptTokens / all.promptTokens, all.meanKeepRatio(),
                Stats.of(all.ttft.toArray()), Stats.of(all.prefill.toArray()),
                Stats.of(all.draft.toArray()), Stats.of(all.decode.toArray()), datasets, errorExamples, null);
    }

    /** Running totals over rows; timings and keep ratios only from rows without error. */
    private static final class Accumulator {
        long rows, errors, promptTokens, keptTokens, outputTokens, answered;
        double keepRatioSum, matchSum;
        final DoubleList ttft = new DoubleList(), prefill = new DoubleList(), draft = new DoubleList(),
                decode = new DoubleList();
        final List<Prediction> predictions = new ArrayList<>();

        void add(Row row) {
            rows++;
            String text = row.getAs("output_text");
            List<String> answers = Rows.list(row, "answers");
            if (!answers.isEmpty()) {
                answered++;
                matchSum += AnswerMatch.stringMatchAll(text, answers);
            }
            predictions.add(new Prediction(text == null ? "" : text, answers,
                    Rows.list(row, "all_classes"), row.getAs("length")));
            if (row.getAs("error") != null) {
                errors++;
                return;
            }
            promptTokens += row.<Integer>getAs("prompt_tokens");
            keptTokens += row.<Integer>getAs("kept_tokens");
            List<Integer> outputIds = Rows.list(row, "output_ids");
            outputTokens += outputIds == null ? 0 : outputIds.size();
            keepRatioSum += row.<Double>getAs("keep_ratio");
            ttft.add(row.getAs("ttft_ms"));
            prefill.add(row.getAs("prefill_ms"));
            draft.add(row.getAs("draft_ms"));
            decode.add(row.getAs("decode_ms"));
        }

        double meanKeepRatio() {
            return rows == errors ? Double.NaN : keepRatioSum / (rows - errors);
        }

        DatasetSummary datasetSummary(String name, List<DatasetScorer> scorers) {
            Double accuracy = answered == 0 ? null : 100.0 * matchSum / answered;
            Map<String, Double> scores = new TreeMap<>();
            if (!name.equals(NO_DATASET)) {
                scorers.forEach(s -> scores.putAll(s.score(name, predictions)));
            }
            return new DatasetSummary(rows, errors, accuracy, meanKeepRatio(), scores);
        }
    }

    /** A growable double array (no boxing for large runs). */
    private static final class DoubleList {
        private double[] values = new double[64];
        private int size;

        void add(double v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        double[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
