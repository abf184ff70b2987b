package io.specprefill.job.sample;

import static org.apache.spark.sql.functions.col;

import io.specprefill.job.JobPlan;
import io.specprefill.job.io.Rows;
import io.specprefill.job.io.Schemas;
import io.specprefill.job.stage.RunFolder;
import io.specprefill.job.summary.AnswerMatch;
import io.specprefill.job.summary.RunSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The embedded default's side-by-side table: one row per prompt, one column group per run. */
final class Comparison {
    private Comparison() {
    }

    private static final int TEXT = 14;

    static String table(SparkSession spark, List<JobPlan> plans, List<RunSummary> summaries) {
        List<List<Row>> runs = new ArrayList<>();
        for (JobPlan plan : plans) {
            runs.add(spark.read().schema(Schemas.RESULTS).parquet(new RunFolder(plan.args().output()).stage2().toString())
                    .orderBy(col(Schemas.ROW_INDEX)).collectAsList());
        }
        StringBuilder out = new StringBuilder();
        JobPlan first = plans.get(0);
        out.append(String.format(Locale.ROOT, "%n== embedded default: %d needle-in-a-haystack prompts, draft %s, target %s%n",
                runs.get(0).size(), first.args().draft(), first.args().target()));
        out.append(String.format(Locale.ROOT, "%-15s %-8s", "id", "answer"));
        for (RunSummary s : summaries) {
            out.append(String.format(Locale.ROOT, " | %-" + TEXT + "s %-3s %9s %8s", s.run().label() + ": output", "ok",
                    "K/N", "ttft ms"));
        }
        out.append('\n');
        for (int i = 0; i < runs.get(0).size(); i++) {
            Row base = runs.get(0).get(i);
            List<String> answers = Rows.list(base, "answers");
            out.append(String.format(Locale.ROOT, "%-15s %-8s", base.<String>getAs("id"), String.join(",", answers)));
            for (List<Row> run : runs) {
                out.append(cell(run.get(i), answers));
            }
            out.append('\n');
        }
        out.append(String.format(Locale.ROOT, "%-24s", "accuracy / keep / K"));
        for (RunSummary s : summaries) {
            RunSummary.DatasetSummary d = s.datasets().values().iterator().next();
            out.append(String.format(Locale.ROOT, " | %6.1f%% keep %.3f, %,d of %,d tokens       ", d.accuracy(),
                    s.meanKeepRatio(), s.keptTokens(), s.promptTokens()));
        }
        out.append('\n').append(String.format(Locale.ROOT, "%-24s", "p50 ttft/prefill/draft"));
        for (RunSummary s : summaries) {
            out.append(String.format(Locale.ROOT, " | %8.1f / %8.1f / %8.1f ms      ", s.ttftMs().p50(),
                    s.prefillMs().p50(), s.draftMs().p50()));
        }
        return out.append('\n').toString();
    }

    private static String cell(Row row, List<String> answers) {
        String text = row.getAs("output_text");
        String shown = row.getAs("error") != null ? "ERROR" : text.strip().replace('\n', ' ');
        if (shown.length() > TEXT) {
            shown = shown.substring(0, TEXT - 1) + "~";
        }
        boolean ok = !answers.isEmpty() && AnswerMatch.stringMatchAll(text, answers) == 1.0;
        return String.format(Locale.ROOT, " | %-" + TEXT + "s %-3s %9s %8.1f", shown, ok ? "yes" : "no",
                row.<Integer>getAs("kept_tokens") + "/" + row.<Integer>getAs("prompt_tokens"), row.<Double>getAs("ttft_ms"));
    }
}
