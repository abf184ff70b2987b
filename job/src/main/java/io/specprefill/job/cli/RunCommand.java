package io.specprefill.job.cli;

import io.specprefill.job.JobPlan;
import io.specprefill.job.Main;
import io.specprefill.job.config.Command;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.demo.EmbeddedRun;
import java.util.List;

/**
 * {@code bin/specprefill run}: the job in this JVM. Sets {@code spark.master=local[*]} only when
 * no master is configured, and quiet logging unless a log4j2 config is given; with nothing but
 * {@code --output} (and optionally {@code --resume}, {@code --set}) it runs the embedded default
 * ({@link EmbeddedRun}). Otherwise the same as the job's spark-submit entry, {@link Main}.
 */
public final class RunCommand {
    private RunCommand() {
    }

    /** The checked plans: the job's one, or the embedded default's two (keep 1.0 and keep 0.1). */
    record Ready(JobArgs args, List<JobPlan> plans, boolean embedded) {
    }

    static final Command<Ready> COMMAND = new Command<>("run", JobArgs.USAGE + "\n" + ConfigLoader.describe(), argv -> {
        inProcessDefaults();
        JobArgs args = JobArgs.parse(argv);
        return EmbeddedRun.isEmbedded(args) ? new Ready(args, EmbeddedRun.plans(args, Cli.home()), true)
                : new Ready(args, List.of(Main.prepare(args)), false);
    }, (ready, out, err) -> {
        if (ready.embedded()) {
            EmbeddedRun.runInSession(ready.args().output(), ready.plans());
        } else {
            Main.runInSession(ready.plans().get(0));
        }
    });

    /**
     * For a Spark session in this JVM (run, sweep): local[*] unless a master is configured (spark-submit
     * sets one), Spark's console progress bar, and the project's quiet log4j2 config unless one is given.
     */
    static void inProcessDefaults() {
        setIfAbsent("spark.master", "local[*]");
        setIfAbsent("spark.ui.showConsoleProgress", "true");
        if (System.getProperty("log4j.configurationFile") == null) {
            setIfAbsent("log4j2.configurationFile", "specprefill-log4j2.properties");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
