package io.specprefill.job.summary;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The summary as the readable table printed on stdout, and as {@code summary.json}. */
public final class SummaryTable {
    private SummaryTable() {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void writeJson(RunSummary summary, Path file) {
        try {
            JSON.writeValue(file.toFile(), summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static RunSummary readJson(Path file) {
        try {
            return JSON.readValue(file.toFile(), RunSummary.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static String format(RunSummary s) {
        StringBuilder out = new StringBuilder();
        if (s.run() != null) {
            RunSummary.RunInfo r = s.run();
            out.append(String.format(Locale.ROOT, "== %s: %s (%s)%n", r.label(), r.output(), r.outputFormat()));
            out.append(String.format(Locale.ROOT, "stage 1 (draft scoring): %s, %d rows scored, %.1f s   "
                    + "stage 2 (target generation): %.1f s%n", r.stage1(), r.rowsScored(), r.stage1Seconds(),
                    r.stage2Seconds()));
        }
        out.append(String.format(Locale.ROOT, "rows %d (errors %d)   prompt tokens %,d   kept %,d (mean keep ratio %.3f)"
                + "   output tokens %,d%n", s.rows(), s.errors(), s.promptTokens(), s.keptTokens(), s.meanKeepRatio(),
                s.outputTokens()));
        out.append(String.format(Locale.ROOT, "%-12s %10s %10s %10s%n", "ms per row", "p50", "p90", "mean"));
        timing(out, "ttft", s.ttftMs());
        timing(out, "prefill", s.prefillMs());
        timing(out, "draft", s.draftMs());
        timing(out, "decode", s.decodeMs());
        out.append(String.format(Locale.ROOT, "%-20s %6s %6s %9s %6s  %s%n", "dataset", "rows", "errors", "accuracy",
                "keep", "scores"));
        for (Map.Entry<String, RunSummary.DatasetSummary> e : s.datasets().entrySet()) {
            RunSummary.DatasetSummary d = e.getValue();
            out.append(String.format(Locale.ROOT, "%-20s %6d %6d %9s %6.3f  %s%n", e.getKey(), d.rows(), d.errors(),
                    d.accuracy() == null ? "-" : String.format(Locale.ROOT, "%.2f", d.accuracy()), d.meanKeepRatio(),
                    d.scores().isEmpty() ? "" : d.scores().toString()));
        }
        for (String example : s.errorExamples()) {
            out.append("error: ").append(example).append('\n');
        }
        return out.toString();
    }

    private static void timing(StringBuilder out, String name, Stats stats) {
        out.append(String.format(Locale.ROOT, "%-12s %10.1f %10.1f %10.1f%n", name, stats.p50(), stats.p90(), stats.mean()));
    }
}
