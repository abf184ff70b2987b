package io.specprefill.job.summary;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The summary as the readable table printed on stdout, and as {@code summary.json}. A value that no
 * row gives (NaN: the timings of a run whose rows all failed, the keep ratio of an empty input) is
 * "-" in the table and null in the JSON, never the string "NaN".
 */
public final class SummaryTable {
    private SummaryTable() {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(nanAsNull());

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

    /** The summary as JSON text (what {@link #writeJson} writes). */
    public static String json(RunSummary summary) {
        try {
            return JSON.writeValueAsString(summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the summary as JSON", e);
        }
    }

    public static String format(RunSummary s) {
        StringBuilder out = new StringBuilder();
        RunSummary.RunInfo r = s.run();
        if (r != null) {
            out.append(String.format(Locale.ROOT, "== %s: %s (%s)%n", r.label(), r.output(), r.outputFormat()));
            out.append(stages(r));
        }
        if (s.rows() == 0) {
            out.append("0 rows read").append(r == null ? "" : " from " + r.input())
                    .append(": the input holds no prompts, so there is nothing to generate or summarize\n");
            return out.toString();
        }
        out.append(String.format(Locale.ROOT, "rows %d (errors %d)   prompt tokens %,d   kept %,d (keep ratio %s, "
                + "mean per row %s)   output tokens %,d%n", s.rows(), s.errors(), s.promptTokens(), s.keptTokens(),
                num(s.keepRatio(), "%.3f"), num(s.meanKeepRatio(), "%.3f"), s.outputTokens()));
        if (r != null && s.keepRatio() > r.keep() + 1e-9) {
            out.append(String.format(Locale.ROOT, "note: keep ratio %.3f > keep %s: each prompt also keeps its first"
                    + " token, its last %d (keep_tail) and whole chunks of %d: K <= ceil(p x N/C) x C + 1 + keep_tail%n",
                    s.keepRatio(), r.keep(), r.keepTail(), r.chunkSize()));
        }
        out.append(String.format(Locale.ROOT, "%-12s %10s %10s %10s   (a batch's rows share its draft, prefill and "
                + "ttft times)%n", "ms per row", "p50", "p90", "mean"));
        timing(out, "ttft", s.ttftMs());
        timing(out, "prefill", s.prefillMs());
        timing(out, "draft", s.draftMs());
        timing(out, "decode", s.decodeMs());
        out.append(String.format(Locale.ROOT, "%-20s %6s %6s %9s %6s  %s%n", "dataset", "rows", "errors", "accuracy",
                "keep", "scores"));
        for (Map.Entry<String, RunSummary.DatasetSummary> e : s.datasets().entrySet()) {
            RunSummary.DatasetSummary d = e.getValue();
            out.append(String.format(Locale.ROOT, "%-20s %6d %6d %9s %6s  %s%n", e.getKey(), d.rows(), d.errors(),
                    d.accuracy() == null ? "-" : String.format(Locale.ROOT, "%.2f", d.accuracy()),
                    num(d.meanKeepRatio(), "%.3f"), d.scores().isEmpty() ? "" : d.scores().toString()));
        }
        for (String example : s.errorExamples()) {
            out.append("error: ").append(example).append('\n');
        }
        return out.toString();
    }

    /** What each stage did in this run, in words. */
    private static String stages(RunSummary.RunInfo r) {
        String stage1 = switch (r.stage1()) {
            case RunSummary.RunInfo.RESUMED -> "stage 1: resumed from its checkpoint (no row scored again)";
            case RunSummary.RunInfo.NO_DRAFT -> String.format(Locale.ROOT, "stage 1 (no draft: keep %s keeps every"
                    + " token): %d rows tokenized, %.1f s", r.keep(), r.rowsTokenized(), r.stage1Seconds());
            default -> String.format(Locale.ROOT, "stage 1 (draft scoring): %d rows scored, %.1f s", r.rowsScored(),
                    r.stage1Seconds());
        };
        String stage2 = r.stage2().equals(RunSummary.RunInfo.RESUMED) ? "stage 2: resumed from its checkpoint"
                : String.format(Locale.ROOT, "stage 2 (target generation): %.1f s", r.stage2Seconds());
        return stage1 + "   " + stage2 + "\n";
    }

    private static void timing(StringBuilder out, String name, Stats stats) {
        out.append(String.format(Locale.ROOT, "%-12s %10s %10s %10s%n", name, num(stats.p50(), "%.1f"),
                num(stats.p90(), "%.1f"), num(stats.mean(), "%.1f")));
    }

    private static String num(double v, String format) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "-";
    }

    /**
     * NaN and infinities as JSON null, and null back as NaN for primitive fields (a boxed Double, like a
     * dataset's accuracy, keeps null as "none").
     */
    private static SimpleModule nanAsNull() {
        StdSerializer<Double> write = new StdSerializer<>(Double.class) {
            @Override
            public void serialize(Double v, JsonGenerator gen, SerializerProvider provider) throws IOException {
                if (v == null || !Double.isFinite(v)) {
                    gen.writeNull();
                } else {
                    gen.writeNumber(v);
                }
            }
        };
        StdDeserializer<Double> read = new StdDeserializer<>(Double.class) {
            @Override
            public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return p.getValueAsDouble();
            }

            @Override
            public Double getNullValue(DeserializationContext ctxt) {
                return Double.NaN;
            }
        };
        return new SimpleModule("nan-as-null").addSerializer(Double.class, write).addSerializer(Double.TYPE, write)
                .addDeserializer(Double.TYPE, read);
    }
}
