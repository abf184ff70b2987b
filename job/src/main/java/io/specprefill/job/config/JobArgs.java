package io.specprefill.job.config;

import io.specprefill.job.config.Flags;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The job's command-line flags: paths and formats (the algorithm's settings live in {@link JobConfig}).
 *
 * @param input        the prompts: a JSONL, Parquet or Arrow IPC file, or a folder of them
 * @param inputFormat  jsonl, parquet, arrow, or auto (from the file extension)
 * @param output       the run's folder: checkpoints, predictions, config.yaml, summary.json
 * @param draft        the draft model directory, "none" for the baseline, null when not given
 * @param target       the target model directory
 * @param config       the YAML config, null for the defaults
 * @param outputFormat parquet, arrow or jsonl
 * @param resume       reuse finished checkpoints under {@code output}
 * @param sets         "key=value" config overrides, in order
 */
public record JobArgs(Path input, String inputFormat, Path output, String draft, Path target, Path config,
                      String outputFormat, boolean resume, List<String> sets) {

    public static final List<String> INPUT_FORMATS = List.of("auto", "jsonl", "parquet", "arrow");
    public static final List<String> OUTPUT_FORMATS = List.of("parquet", "arrow", "jsonl");

    public static final String USAGE = String.join("\n",
            "usage: specprefill run --input PATH --target DIR --output DIR [flags]",
            "       specprefill run --output DIR      (the embedded default: sample prompts, shipped models)",
            "  --input PATH            prompts: JSONL (LongBench rows or id+prompt), Parquet or Arrow IPC",
            "  --input-format F        auto (default: from the extension), jsonl, parquet, arrow",
            "  --output DIR            the run's folder (predictions, summary.json, config.yaml, checkpoints)",
            "  --draft DIR|none        draft model directory; none: no speculation (the baseline)",
            "  --target DIR            target model directory",
            "  --config FILE           YAML config (configs/*.yaml); keys below",
            "  --output-format F       parquet (default), arrow or jsonl",
            "  --resume                reuse this output folder's finished checkpoints (stage 1 scoring)",
            "  --set KEY=VALUE         override one config key (repeatable)",
            "config keys (key, default, meaning):");

    public JobArgs {
        check(INPUT_FORMATS.contains(inputFormat), "--input-format", inputFormat, "one of " + INPUT_FORMATS);
        check(OUTPUT_FORMATS.contains(outputFormat), "--output-format", outputFormat, "one of " + OUTPUT_FORMATS);
        sets = List.copyOf(sets);
    }

    /** Parses flags ({@code --flag value} or {@code --flag=value}); throws naming the flag. */
    public static JobArgs parse(String[] args) {
        Path input = null, output = null, target = null, config = null;
        String inputFormat = "auto", outputFormat = "parquet", draft = null;
        boolean resume = false;
        List<String> sets = new ArrayList<>();
        Flags f = new Flags(args);
        while (f.next()) {
            f.requireFlag();
            switch (f.flag()) {
                case "--resume" -> {
                    f.noValue();
                    resume = true;
                }
                case "--input" -> input = f.path();
                case "--input-format" -> inputFormat = f.value();
                case "--output" -> output = f.path();
                case "--draft" -> draft = f.value();
                case "--target" -> target = f.path();
                case "--config" -> config = f.path();
                case "--output-format" -> outputFormat = f.value();
                case "--set" -> sets.add(f.value());
                default -> throw f.unknown();
            }
        }
        return new JobArgs(input, inputFormat, output, draft, target, config, outputFormat, resume, sets);
    }

    /** True when the draft flag names no draft model: not given, or "none". */
    public boolean noDraft() {
        return draft == null || draft.equals("none");
    }

    private static void check(boolean ok, String flag, Object actual, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(flag + " " + actual + ": must be " + expected);
        }
    }
}
