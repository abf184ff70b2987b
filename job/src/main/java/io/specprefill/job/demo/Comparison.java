package io.specprefill.job.demo;

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

/** The embedded default's side-by-side table: one line per prompt, one column group per run. */
final class Comparison {
    private Comparison() {
    }

    /** Width of the generated text shown, and of a whole column group. */
    private static final int TEXT = 14;
    private static final int GROUP = TEXT + 24;

    static String table(SparkSession spark, List<JobPlan> plans, List<RunSummary> summaries) {
        List<List<Row>> runs = new ArrayList<>();
        for (JobPlan plan : plans) {
            runs.add(spark.read().schema(Schemas.RESULTS).parquet(new RunFolder(plan.args().output()).stage2().toString())
                    .orderBy(col(Schemas.ROW_INDEX)).collectAsList());
        }
        JobPlan first = plans.get(0);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%n== embedded default: %d needle-in-a-haystack prompts, draft %s, target %s%n", runs.get(0).size(),
                first.args().draft(), first.args().target()));
        line(out, "", "", summaries.stream().map(s -> center(s.run().label())).toList());
        line(out, "id", "answer", summaries.stream().map(s -> String.format(Locale.ROOT, "%-" + TEXT + "s %-3s %9s %8s",
                "output", "ok", "K/N", "ttft ms")).toList());
        for (int i = 0; i < runs.get(0).size(); i++) {
            Row base = runs.get(0).get(i);
            List<String> answers = Rows.list(base, "answers");
            List<String> cells = new ArrayList<>();
            for (List<Row> run : runs) {
                cells.add(cell(run.get(i), answers));
            }
            line(out, base.getAs("id"), String.join(",", answers), cells);
        }
        line(out, "accuracy", "", summaries.stream().map(s -> {
            RunSummary.DatasetSummary d = s.datasets().values().iterator().next();
            return String.format(Locale.ROOT, "%.1f%% (%d rows, %d errors)", d.accuracy(), d.rows(), d.errors());
        }).toList());
        line(out, "kept tokens", "", summaries.stream().map(s -> String.format(Locale.ROOT, "%,d of %,d (keep %.3f)",
                s.keptTokens(), s.promptTokens(), s.meanKeepRatio())).toList());
        line(out, "p50 ttft/prefill/draft", "", summaries.stream().map(s -> String.format(Locale.ROOT,
                "%.1f / %.1f / %.1f ms", s.ttftMs().p50(), s.prefillMs().p50(), s.draftMs().p50())).toList());
        return out.toString();
    }

    private static void line(StringBuilder out, String id, String answer, List<String> groups) {
        out.append(answer.isEmpty() ? String.format(Locale.ROOT, "%-24s", id)
                : String.format(Locale.ROOT, "%-15s %-8s", id, answer));
        groups.forEach(g -> out.append(String.format(Locale.ROOT, " | %-" + GROUP + "s", g)));
        out.append('\n');
    }

    private static String center(String text) {
        int pad = Math.max(0, (GROUP - text.length()) / 2);
        return " ".repeat(pad) + text;
    }

    private static String cell(Row row, List<String> answers) {
        String text = row.getAs("output_text");
        String shown = row.getAs("error") != null ? "ERROR" : text.strip().replace('\n', ' ');
        if (shown.length() > TEXT) {
            shown = shown.substring(0, TEXT - 1) + "~";
        }
        boolean ok = !answers.isEmpty() && AnswerMatch.stringMatchAll(text, answers) == 1.0;
        return String.format(Locale.ROOT, "%-" + TEXT + "s %-3s %9s %8.1f", shown, ok ? "yes" : "no",
                row.<Integer>getAs("kept_tokens") + "/" + row.<Integer>getAs("prompt_tokens"), row.<Double>getAs("ttft_ms"));
    }
}
