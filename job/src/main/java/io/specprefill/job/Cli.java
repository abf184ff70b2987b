package io.specprefill.job;

import io.specprefill.job.cli.GenerateCommand;

import java.util.Arrays;

/**
 * {@code bin/specprefill COMMAND [flags]}: one entry point for every command. Each command is a
 * class with its own {@code main}; this only dispatches and prints the list.
 */
public final class Cli {
    private Cli() {
    }

    private static final String USAGE = String.join("\n",
            "usage: specprefill COMMAND [flags]   (COMMAND --help for its flags)",
            "commands:",
            "  generate          generate from one prompt with one model (no Spark)",
            "  run               the speculative-prefill job (Spark; local[*] when no master is set)",
            "  score-longbench   score a folder of LongBench-format prediction files",
            "  ruler-generate    write RULER task rows as job input",
            "  sweep             the job at several keep rates (one Spark session): table and plots",
            "  eval-niah         needle-in-a-haystack accuracy of a draft/target pair per keep rate (no Spark)");

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "run":
                RunCommand.main(rest);
                return;
            case "generate": GenerateCommand.main(rest); return;
            case "score-longbench":
                io.specprefill.job.eval.ScoreLongBenchCommand.main(rest);
                return;
            case "ruler-generate":
                io.specprefill.job.eval.ruler.RulerGenerateCommand.main(rest);
                return;
            case "sweep":
                io.specprefill.job.eval.sweep.SweepCommand.main(rest);
                return;
            case "eval-niah":
                io.specprefill.job.eval.niah.EvalNiahCommand.main(rest);
                return;
            default:
                System.err.println("specprefill: unknown command '" + args[0] + "'\n" + USAGE);
                System.exit(2);
        }
    }
}
