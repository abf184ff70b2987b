package io.specprefill.job.cli;

import io.specprefill.job.config.Command;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.eval.sweep.Sweep;
import io.specprefill.job.eval.sweep.SweepArgs;
import io.specprefill.job.eval.sweep.SweepPlots;
import io.specprefill.job.eval.sweep.SweepTable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * {@code specprefill sweep}: the job at several keep rates in one Spark session ({@link Sweep}),
 * then {@code sweep.md} ({@link SweepTable}, also printed) and two PNG plots ({@link SweepPlots}) in
 * the output folder. In-process it runs on local[*]; under spark-submit
 * ({@code --class io.specprefill.job.cli.SweepCommand}) on the cluster's master.
 */
public final class SweepCommand {
    private SweepCommand() {
    }

    public static final String TABLE_FILE = "sweep.md";

    /** Every run's config and models are checked before Spark starts (a bad one fails the whole sweep now). */
    static final Command<List<Sweep.Run>> COMMAND = new Command<>("sweep",
            SweepArgs.USAGE + "\n" + JobArgs.USAGE + "\n" + ConfigLoader.describe(), argv -> {
                RunCommand.inProcessDefaults();
                return Sweep.plan(SweepArgs.parse(argv,
                        job -> ConfigLoader.load(job.config(), job.sets()).prefill().lookahead()));
            }, (runs, out, err) -> {
                SparkSession spark = SparkSession.builder().appName("specprefill sweep").getOrCreate();
                try {
                    run(spark, runs, out);
                } finally {
                    spark.stop();
                }
            });

    /** The spark-submit entry. */
    public static void main(String[] argv) throws Exception {
        COMMAND.main(argv);
    }

    /** Runs the sweep and writes its table and plots into the sweep's folder; returns the outcomes. */
    public static List<Sweep.Outcome> run(SparkSession spark, List<Sweep.Run> runs, PrintStream out) {
        List<Sweep.Outcome> outcomes = Sweep.run(spark, runs, out);
        Path dir = runs.get(0).plan().args().output().getParent();
        Sweep.Run first = runs.get(0);
        String table = "# Keep-rate sweep\n\n"
                + "input `" + first.plan().args().input() + "`, draft `" + first.plan().args().draft() + "`, target `"
                + first.plan().args().target() + "`, backend " + first.plan().config().backend() + "\n\n"
                + SweepTable.format(outcomes) + "\n![score vs keep rate](" + SweepPlots.SCORE_FILE + ")\n"
                + "![TTFT vs prompt length](" + SweepPlots.TTFT_FILE + ")\n"
                + "![TTFT speed-up vs keep rate](" + SweepPlots.SPEEDUP_FILE + ")\n";
        Path file = dir.resolve(TABLE_FILE);
        try {
            Files.writeString(file, table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        List<Path> plots = SweepPlots.write(dir, outcomes);
        out.print("\n" + table);
        out.println("sweep: wrote " + file + ", " + plots.get(0) + ", " + plots.get(1) + ", " + plots.get(2));
        return outcomes;
    }
}
