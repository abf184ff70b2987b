package io.specprefill.job;

import static org.apache.spark.sql.functions.col;

import io.specprefill.job.config.Command;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.config.JobConfig;
import io.specprefill.job.io.InputReader;
import io.specprefill.job.io.OutputWriter;
import io.specprefill.job.io.Schemas;
import io.specprefill.job.stage.RunFolder;
import io.specprefill.job.stage.Stages;
import io.specprefill.job.summary.RunSummary;
import io.specprefill.job.summary.SummaryTable;
import io.specprefill.udf.Timer;
import io.specprefill.udf.prefill.PrefillParams;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speculative-prefill job, for {@code spark-submit --class io.specprefill.job.Main} (and
 * in-process through {@code bin/specprefill run}). Reads in order: parse, load and check the config,
 * check the models, create the session, read, stage 1, checkpoint, balance by kept length, stage 2,
 * write, summarize (design.md 6).
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    /** The job as spark-submit runs it: the flags of {@code specprefill run}, the one command wrapper. */
    private static final Command<JobPlan> JOB = new Command<>("run", JobArgs.USAGE + "\n" + ConfigLoader.describe(),
            argv -> prepare(JobArgs.parse(argv)), (plan, out, err) -> runInSession(plan));

    public static void main(String[] argv) throws Exception {
        JOB.main(argv);
    }

    /** Reads the config the flags name and checks everything before Spark starts ({@link JobPlan#prepare}). */
    public static JobPlan prepare(JobArgs args) {
        JobConfig config = ConfigLoader.load(args.config(), args.sets());
        return JobPlan.prepare(args, config);
    }

    /** Runs a prepared job in a session of its own. */
    public static void runInSession(JobPlan plan) {
        // No .master() here: spark-submit (or bin/specprefill run, for local[*]) decides.
        SparkSession spark = SparkSession.builder().appName("specprefill").getOrCreate();
        try {
            run(spark, plan, "specprefill");
        } finally {
            spark.stop();
        }
    }

    /** Runs a prepared job in {@code spark}; prints and returns its summary. */
    public static RunSummary run(SparkSession spark, JobPlan plan, String label) {
        JobArgs args = plan.args();
        RunFolder folder = new RunFolder(args.output());
        if (!args.resume()) {
            folder.checkFresh();
        }
        String yaml = plan.resolvedYaml();
        folder.writeText(folder.configFile(), yaml);
        LOG.info("{}: config in {}", label, folder.configFile());
        LOG.debug("{}: resolved config\n{}", label, yaml);
        SparkContext sc = spark.sparkContext();
        int partitions = plan.config().partitions() > 0 ? plan.config().partitions() : sc.defaultParallelism();
        int localGpus = plan.config().localGpus();
        LongAccumulator rowsTokenized = sc.longAccumulator("rows tokenized");
        Map<String, String> modified = plan.files().modified();

        Timer stage1 = Timer.start();
        Map<String, String> stage1Settings = plan.stage1Settings();
        boolean resumed = args.resume() && folder.finished(folder.stage1(), stage1Settings, modified);
        if (resumed) {
            LOG.info("{}: stage 1 resumed from {}", label, folder.stage1());
        } else {
            sc.setJobDescription(label + ": read input and stage 1 (draft scoring)");
            Dataset<Row> prompts = InputReader.read(spark, args.input(), plan.inputFormat(), plan.prompts(),
                    plan.config().allowDuplicateIds());
            long rows = checkpoint(Stages.draftScoring(prompts, plan.task(), partitions, localGpus, rowsTokenized), folder,
                    folder.stage1(), stage1Settings, modified);
            if (rows == 0) {
                LOG.warn("{}: 0 rows read from {}: nothing to generate", label, args.input());
            }
        }
        double stage1Seconds = stage1.seconds();

        Timer stage2 = Timer.start();
        Map<String, String> stage2Settings = plan.stage2Settings();
        boolean resumed2 = resumed && folder.finished(folder.stage2(), stage2Settings, modified);
        if (resumed2) {
            LOG.info("{}: stage 2 resumed from {}", label, folder.stage2());
        } else {
            sc.setJobDescription(label + ": stage 2 (target generation)");
            Dataset<Row> scored = spark.read().schema(Schemas.SCORED).parquet(folder.stage1().toString());
            Dataset<Row> balanced = Stages.balanceByKeptLength(scored, partitions);
            checkpoint(Stages.targetGeneration(balanced, plan.task(), localGpus, sc.longAccumulator("rows generated")),
                    folder, folder.stage2(), stage2Settings, modified);
        }
        double stage2Seconds = stage2.seconds();

        sc.setJobDescription(label + ": write predictions and summary");
        Dataset<Row> results = spark.read().schema(Schemas.RESULTS).parquet(folder.stage2().toString());
        OutputWriter.write(results, folder.root(), args.outputFormat());
        boolean speculated = !plan.task().speculationOff();
        PrefillParams p = plan.config().prefill();
        RunSummary.RunInfo info = new RunSummary.RunInfo(label, args.input().toString(), folder.root().toString(),
                args.outputFormat(), resumed ? RunSummary.RunInfo.RESUMED
                : speculated ? RunSummary.RunInfo.SCORED : RunSummary.RunInfo.NO_DRAFT,
                resumed2 ? RunSummary.RunInfo.RESUMED : RunSummary.RunInfo.GENERATED,
                speculated ? rowsTokenized.value() : 0, rowsTokenized.value(), stage1Seconds, stage2Seconds,
                speculated ? p.keep() : 1.0, p.chunkSize(), p.keepTail());
        RunSummary summary = RunSummary.of(results.orderBy(col(Schemas.ROW_INDEX)).toLocalIterator()).withRun(info);
        SummaryTable.writeJson(summary, folder.summaryFile());
        System.out.print(SummaryTable.format(summary));
        sc.setJobDescription(null);
        return summary;
    }

    /**
     * Writes a stage's rows as Parquet (this runs the stage), then marks the checkpoint finished with
     * what it was made from; returns its row count.
     */
    private static long checkpoint(Dataset<Row> rows, RunFolder folder, Path dir, Map<String, String> settings,
                                   Map<String, String> modified) {
        rows.write().mode(SaveMode.Overwrite).parquet(dir.toString());
        long count = rows.sparkSession().read().parquet(dir.toString()).count();
        folder.markFinished(dir, settings, modified, count);
        LOG.info("checkpoint {}: {} rows", dir, count);
        return count;
    }
}
