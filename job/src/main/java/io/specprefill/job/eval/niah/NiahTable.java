package io.specprefill.job.eval.niah;

import io.specprefill.job.eval.PyNumbers;
import io.specprefill.job.summary.Stats;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The eval-niah Markdown table: one line per configuration. Accuracy is RULER's string_match_all
 * (x 100, rounded to 2) per data file and over all rows; "of full" is that accuracy as a share of
 * the target alone's; keep ratio is the mean K/N; "needle kept" the share of rows whose asked
 * needle number lies wholly inside the kept tokens, "sentence kept" the same for the asked needle's
 * whole sentence (key and number); TTFT over the rows without error.
 */
public final class NiahTable {
    private NiahTable() {
    }

    public static String format(List<NiahEval.Result> results) {
        Set<String> files = new LinkedHashSet<>();
        results.get(0).outcomes().forEach(o -> files.add(o.row().file()));
        double full = results.stream().filter(r -> r.config().kind() == NiahEval.Kind.TARGET_ALONE)
                .mapToDouble(r -> accuracy(r.outcomes())).findFirst().orElse(Double.NaN);
        List<String> header = new ArrayList<>(List.of("configuration"));
        files.forEach(f -> header.add(f + " acc"));
        header.addAll(List.of("all acc", "of full", "keep ratio", "needle kept", "sentence kept", "TTFT mean ms",
                "TTFT p50 ms", "rows", "errors"));
        StringBuilder out = new StringBuilder();
        row(out, header);
        row(out, header.stream().map(h -> h.equals("configuration") ? "---" : "---:").toList());
        for (NiahEval.Result r : results) {
            List<NiahEval.Outcome> os = r.outcomes();
            List<String> cells = new ArrayList<>(List.of(r.config().label()));
            for (String f : files) {
                cells.add(pct(accuracy(os.stream().filter(o -> o.row().file().equals(f)).toList())));
            }
            double acc = accuracy(os);
            Stats ttft = Stats.of(os.stream().filter(o -> o.error() == null).mapToDouble(NiahEval.Outcome::ttftMs).toArray());
            cells.addAll(List.of(pct(acc), full > 0 ? String.format(Locale.ROOT, "%.1f%%", 100 * acc / full) : "-",
                    String.format(Locale.ROOT, "%.3f", meanKeepRatio(os)),
                    String.format(Locale.ROOT, "%.1f%%", 100 * needleKept(os)),
                    String.format(Locale.ROOT, "%.1f%%", 100 * share(os, NiahEval.Outcome::sentenceKept)),
                    String.format(Locale.ROOT, "%.1f", ttft.mean()), String.format(Locale.ROOT, "%.1f", ttft.p50()),
                    String.valueOf(os.size()), String.valueOf(os.stream().filter(o -> o.error() != null).count())));
            row(out, cells);
        }
        return out.toString();
    }

    /** RULER string_match_all: 100 x the mean match, rounded to 2 (an error row scores 0). */
    public static double accuracy(List<NiahEval.Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return Double.NaN;
        }
        return PyNumbers.round(outcomes.stream().mapToDouble(NiahEval.Outcome::match).sum() / outcomes.size() * 100, 2);
    }

    /** Share of rows (errors count as not kept) whose asked needle lies inside the kept tokens. */
    public static double needleKept(List<NiahEval.Outcome> outcomes) {
        return share(outcomes, NiahEval.Outcome::needleKept);
    }

    static double share(List<NiahEval.Outcome> outcomes, Predicate<NiahEval.Outcome> test) {
        return (double) outcomes.stream().filter(test).count() / outcomes.size();
    }

    static double meanKeepRatio(List<NiahEval.Outcome> outcomes) {
        return outcomes.stream().filter(o -> o.error() == null)
                .mapToDouble(o -> (double) o.keptTokens() / o.promptTokens()).average().orElse(Double.NaN);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static void row(StringBuilder out, List<String> cells) {
        out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
}
