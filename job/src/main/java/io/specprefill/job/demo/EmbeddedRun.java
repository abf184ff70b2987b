package io.specprefill.job.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.JobPlan;
import io.specprefill.job.Main;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.config.JobConfig;
import io.specprefill.job.summary.RunSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The embedded default, {@code bin/specprefill run --output DIR}: {@value #ROWS} needle-in-a-haystack
 * prompts of about 1000 tokens ({@link SampleNiah}) through the shipped pair models/niah-draft and
 * models/niah-target, once with full prefill (keep 1.0) and once with speculative prefill (keep 0.1,
 * look-ahead 8), then one table of both: answers, accuracy, kept tokens and timings.
 */
public final class EmbeddedRun {
    private EmbeddedRun() {
    }

    public static final int ROWS = 12;
    /** About 1000 tokens of the shipped tokenizer per prompt. */
    public static final int HAYSTACK_CHARS = 2450;
    public static final long SEED = 20251125L;
    static final List<Double> KEEPS = List.of(1.0, 0.1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Nothing but --output (plus --resume, --output-format, --set): no input, models or config given. */
    public static boolean isEmbedded(JobArgs a) {
        return a.input() == null && a.target() == null && a.draft() == null && a.config() == null;
    }

    /** Runs checked {@link #plans} in a session of their own. */
    public static void runInSession(Path output, List<JobPlan> plans) {
        SparkSession spark = SparkSession.builder().appName("specprefill embedded default").getOrCreate();
        try {
            run(spark, output, plans);
        } finally {
            spark.stop();
        }
    }

    /** Runs each plan and prints the side-by-side table; returns the summaries, in {@link #KEEPS} order. */
    public static List<RunSummary> run(SparkSession spark, Path output, List<JobPlan> plans) {
        List<RunSummary> summaries = new ArrayList<>();
        for (JobPlan plan : plans) {
            summaries.add(Main.run(spark, plan, label(plan.config().prefill().keep())));
        }
        String table = Comparison.table(spark, plans, summaries);
        System.out.print(table);
        Path file = output.resolve("comparison.txt");
        try {
            Files.writeString(file, table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return summaries;
    }

    /** Writes the sample prompts under {@code output/sample/} and checks one plan per keep rate. */
    public static List<JobPlan> plans(JobArgs args, Path home) {
        if (args.output() == null) {
            throw new IllegalArgumentException("--output is required");
        }
        Path draft = home.resolve("models/niah-draft");
        Path target = home.resolve("models/niah-target");
        for (Path model : List.of(draft, target)) {
            if (!Files.isDirectory(model)) {
                throw new IllegalArgumentException("the embedded default needs the shipped model " + model
                        + " (run from the repository's folder, or set SPECPREFILL_HOME to it)");
            }
        }
        Path input = writeSample(args.output().resolve("sample"));
        List<JobPlan> plans = new ArrayList<>();
        for (double keep : KEEPS) {
            String yaml = "keep: " + keep + "\nlookahead: 8\nmax_new_tokens: 16\n";
            JobConfig config = ConfigLoader.parse(yaml, "embedded default (" + label(keep) + ")", args.sets());
            JobArgs run = new JobArgs(input, "jsonl", args.output().resolve(label(keep).replace(' ', '-')),
                    draft.toString(), target, null, args.outputFormat(), args.resume(), args.sets());
            plans.add(JobPlan.prepare(run, config));
        }
        return plans;
    }

    static Path writeSample(Path dir) {
        Path file = dir.resolve("niah-sample.jsonl");
        try {
            Files.createDirectories(dir);
            try (Writer out = Files.newBufferedWriter(file)) {
                for (SampleNiah.Row r : SampleNiah.generate(ROWS, HAYSTACK_CHARS, SEED)) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("id", r.id());
                    line.put("dataset", "niah-sample");
                    line.put("prompt", r.prompt());
                    line.put("answers", List.of(r.answer()));
                    line.put("needles", r.needles());
                    out.write(JSON.writeValueAsString(line));
                    out.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sample prompts " + file, e);
        }
        return file;
    }

    static String label(double keep) {
        return String.format(Locale.ROOT, "keep %.1f", keep);
    }
}
