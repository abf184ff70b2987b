package io.specprefill.job;

import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.sample.EmbeddedRun;

/**
 * {@code bin/specprefill run}: the job in this JVM. Sets {@code spark.master=local[*]} only when
 * no master is configured, and quiet logging unless a log4j2 config is given; with nothing but
 * {@code --output} (and optionally {@code --resume}) it runs the embedded default ({@link EmbeddedRun}).
 */
public final class RunCommand {
    private RunCommand() {
    }

    public static void main(String[] argv) {
        if (JobArgs.wantsHelp(argv)) {
            System.out.println(JobArgs.USAGE + "\n" + ConfigLoader.describe());
            return;
        }
        inProcessDefaults();
        JobArgs args;
        try {
            args = JobArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("specprefill run: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (EmbeddedRun.isEmbedded(args)) {
            EmbeddedRun.main(args);
        } else {
            Main.main(argv);
        }
    }

    /**
     * For a Spark session in this JVM (run, sweep): local[*] unless a master is configured (spark-submit
     * sets one), Spark's console progress bar, and the project's quiet log4j2 config unless one is given.
     */
    public static void inProcessDefaults() {
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
