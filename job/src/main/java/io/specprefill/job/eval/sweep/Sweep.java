package io.specprefill.job.eval.sweep;

import static org.apache.spark.sql.functions.col;

import io.specprefill.job.JobPlan;
import io.specprefill.job.Main;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.config.JobConfig;
import io.specprefill.job.io.Schemas;
import io.specprefill.job.stage.RunFolder;
import io.specprefill.job.summary.RunSummary;
import io.specprefill.udf.Timer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A keep-rate sweep: the job ({@link Main#run}) once per configuration in one Spark session, the
 * baseline (keep 1.0, no draft) first, then each keep rate for each look-ahead. Every run is a
 * normal job run in its own sub-folder ({@code keep-0.10-lah8/}: predictions, summary.json,
 * config.yaml, checkpoints), so {@code --resume} continues a sweep that stopped half way.
 */
public final class Sweep {
    private Sweep() {
    }

    /**
     * One configuration, its checked job plan, and its place in the sweep (1-based).
     *
     * @param baseline the sweep's first run: keep 1.0, so no draft ({@code plan.task().speculationOff()})
     */
    public record Run(int index, int of, boolean baseline, double keep, int lookahead, JobPlan plan) {
        /** The run's sub-folder: keep-1.00 for the baseline, else keep-0.10-lah8. */
        public String dirName() {
            return baseline() ? "keep-1.00" : String.format(Locale.ROOT, "keep-%.2f-lah%d", keep, lookahead);
        }

        /** The table's column and the plots' series name. */
        public String label() {
            return baseline() ? "keep 1.0 (baseline)" : String.format(Locale.ROOT, "keep %s, A=%d", trim(keep), lookahead);
        }
    }

    /**
     * A finished run: its summary and, per row without error, the prompt length N and TTFT.
     */
    public record Outcome(Run run, RunSummary summary, double[] promptTokens, double[] ttftMs, double seconds) {
    }

    /** Checks every run's config and models before Spark starts (a bad one fails the whole sweep now). */
    public static List<Run> plan(SweepArgs args) {
        JobArgs job = args.job();
        if (job.output() == null) {
            throw new IllegalArgumentException("--output is required (the sweep's folder)");
        }
        int of = 1 + args.keeps().size() * args.lookaheads().size();
        List<Run> runs = new ArrayList<>();
        runs.add(run(job, 1, of, true, 1.0, -1));
        for (int a : args.lookaheads()) {
            for (double p : args.keeps()) {
                runs.add(run(job, runs.size() + 1, of, false, p, a));
            }
        }
        return runs;
    }

    private static Run run(JobArgs job, int index, int of, boolean baseline, double keep, int lookahead) {
        List<String> sets = new ArrayList<>(job.sets());
        sets.add("keep=" + keep);
        if (lookahead > 0) {
            sets.add("lookahead=" + lookahead);
        }
        JobConfig config = ConfigLoader.load(job.config(), sets);
        Run draft = new Run(index, of, baseline, keep, config.prefill().lookahead(), null);
        JobArgs args = new JobArgs(job.input(), job.inputFormat(), job.output().resolve(draft.dirName()), job.draft(),
                job.target(), job.config(), job.outputFormat(), job.resume(), sets);
        return new Run(index, of, baseline, keep, config.prefill().lookahead(), JobPlan.prepare(args, config));
    }

    /** Runs each configuration in turn; a progress line before and after each on {@code progress}. */
    public static List<Outcome> run(SparkSession spark, List<Run> runs, PrintStream progress) {
        List<Outcome> out = new ArrayList<>();
        for (Run r : runs) {
            String what = r.baseline() ? "keep 1.0 (baseline, no draft)"
                    : String.format(Locale.ROOT, "keep %s lookahead %d", trim(r.keep()), r.lookahead());
            progress.printf(Locale.ROOT, "sweep %d/%d: %s -> %s%n", r.index(), r.of(), what, r.plan().args().output());
            Timer timer = Timer.start();
            RunSummary summary = Main.run(spark, r.plan(), "sweep " + r.index() + "/" + r.of() + " " + what);
            Outcome o = points(spark, r, summary, timer.seconds());
            progress.printf(Locale.ROOT, "sweep %d/%d: %s done in %.1f s: %d rows (%d errors), mean keep ratio %.3f, "
                    + "TTFT p50 %.1f ms%n", r.index(), r.of(), what, o.seconds(), summary.rows(), summary.errors(),
                    summary.meanKeepRatio(), summary.ttftMs().p50());
            out.add(o);
        }
        return out;
    }

    /** The per-row points of the TTFT plot, read back from the run's stage-2 checkpoint, in input order. */
    private static Outcome points(SparkSession spark, Run r, RunSummary summary, double seconds) {
        String stage2 = new RunFolder(r.plan().args().output()).stage2().toString();
        List<Row> rows = spark.read().schema(Schemas.RESULTS).parquet(stage2).where(col("error").isNull())
                .orderBy(col(Schemas.ROW_INDEX)).select("prompt_tokens", "ttft_ms").collectAsList();
        double[] n = new double[rows.size()];
        double[] ttft = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            n[i] = rows.get(i).getInt(0);
            ttft[i] = rows.get(i).getDouble(1);
        }
        return new Outcome(r, summary, n, ttft, seconds);
    }

    /** 0.1 -> "0.1", 0.25 -> "0.25", 1.0 -> "1.0". */
    static String trim(double keep) {
        String s = String.format(Locale.ROOT, "%.2f", keep);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }
}
