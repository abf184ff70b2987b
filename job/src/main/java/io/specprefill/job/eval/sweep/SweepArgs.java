package io.specprefill.job.eval.sweep;

import io.specprefill.job.config.Flags;
import io.specprefill.job.config.JobArgs;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The sweep's flags: the job's own ({@link JobArgs}: input, models, output folder, config, --set)
 * plus the keep rates and look-aheads to run. Keep 1.0 (the baseline) always runs first, once; every
 * other keep rate runs once per look-ahead.
 *
 * @param job        the job's flags; {@code output} is the sweep's folder (one sub-folder per run)
 * @param keeps      keep rates below 1, in the order given
 * @param lookaheads look-aheads A, in the order given
 */
public record SweepArgs(JobArgs job, List<Double> keeps, List<Integer> lookaheads) {

    public static final List<Double> DEFAULT_KEEPS = List.of(0.1, 0.3, 0.5, 0.7, 0.9);

    public static final String USAGE = String.join("\n",
            "usage: specprefill sweep --input PATH --draft DIR --target DIR --output DIR [flags]",
            "  runs the job at keep 1.0 (the baseline, first) and at each keep rate x look-ahead, in one Spark",
            "  session; writes each run under DIR/keep-0.10-lah8/..., then DIR/sweep.md (also printed),",
            "  DIR/score-vs-keep.png, DIR/ttft-vs-prompt-length.png and DIR/speedup-vs-keep.png",
            "  --keeps P,P,...         keep rates below 1 (default 0.1,0.3,0.5,0.7,0.9; 1.0 is always run first)",
            "  --lookaheads A,A,...    look-aheads (default 8, or the config's lookahead when --config sets one)",
            "  every flag of 'specprefill run' (keep and lookahead come from the two lists above):");

    public SweepArgs {
        keeps = List.copyOf(keeps);
        lookaheads = List.copyOf(lookaheads);
        for (double p : keeps) {
            if (!(p > 0 && p < 1)) {
                throw new IllegalArgumentException("--keeps " + p + ": must be in (0, 1) (keep 1.0, the baseline, always runs)");
            }
        }
        for (int a : lookaheads) {
            if (a < 1) {
                throw new IllegalArgumentException("--lookaheads " + a + ": must be >= 1");
            }
        }
        if (lookaheads.isEmpty()) {
            throw new IllegalArgumentException("--lookaheads needs at least one value");
        }
        if (keeps.stream().distinct().count() != keeps.size() || lookaheads.stream().distinct().count() != lookaheads.size()) {
            throw new IllegalArgumentException("--keeps " + keeps + " / --lookaheads " + lookaheads + ": values repeat");
        }
    }

    /**
     * Takes --keeps and --lookaheads out of {@code argv} and parses the rest as the job's flags. A
     * listed 1.0 is dropped (the baseline runs anyway). Without --lookaheads, the one look-ahead of
     * {@code configLookahead} (the job's config, read from the parsed job flags) is used.
     */
    public static SweepArgs parse(String[] argv, ToIntFunction<JobArgs> configLookahead) {
        List<Double> keeps = DEFAULT_KEEPS;
        List<Integer> lookaheads = null;
        List<String> rest = new ArrayList<>();
        Flags f = new Flags(argv);
        while (f.next()) {
            switch (f.flag()) {
                case "--keeps" -> keeps = f.list(Double::parseDouble).stream().filter(p -> p != 1.0).toList();
                case "--lookaheads" -> lookaheads = f.list(Double::parseDouble).stream().map(SweepArgs::integer).toList();
                default -> rest.add(f.arg());
            }
        }
        JobArgs job = JobArgs.parse(rest.toArray(String[]::new));
        return new SweepArgs(job, keeps, lookaheads != null ? lookaheads : List.of(configLookahead.applyAsInt(job)));
    }

    private static int integer(double v) {
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException("--lookaheads " + v + ": not an integer");
        }
        return (int) v;
    }
}
