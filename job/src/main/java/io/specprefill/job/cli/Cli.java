package io.specprefill.job.cli;

import io.specprefill.job.bench.BenchReportCommand;
import io.specprefill.job.config.Command;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code bin/specprefill COMMAND [flags]}: one entry point for every command. Each command is a
 * {@link Command} (parse, usage, exit, shared); this only dispatches and prints the list.
 */
public final class Cli {
    private Cli() {
    }

    /** The commands, by name, in the order the usage lists them. */
    static final Map<String, Command<?>> COMMANDS = new LinkedHashMap<>();
    private static final Map<String, String> WHAT = new LinkedHashMap<>();

    static {
        add(GenerateCommand.COMMAND, "generate from one prompt with one model (no Spark)");
        add(RunCommand.COMMAND, "the speculative-prefill job (Spark; local[*] when no master is set)");
        add(ScoreLongBenchCommand.COMMAND, "score a folder of LongBench-format prediction files");
        add(RulerGenerateCommand.COMMAND, "write RULER task rows as job input");
        add(SweepCommand.COMMAND, "the job at several keep rates (one Spark session): table and plots");
        add(EvalNiahCommand.COMMAND, "needle-in-a-haystack accuracy of a draft/target pair per keep rate (no Spark)");
        add(MakeModelCommand.COMMAND, "a model directory of a real model's shape with random weights");
        add(MakeBatchCommand.COMMAND, "a LongBench-shaped batch of long prompts, lengths spread over a token range");
        add(BenchReportCommand.COMMAND, "the tables of scripts/job-bench.sh from its run folders");
    }

    private static void add(Command<?> command, String what) {
        COMMANDS.put(command.name(), command);
        WHAT.put(command.name(), what);
    }

    static String usage() {
        StringBuilder out = new StringBuilder("usage: specprefill COMMAND [flags]   (COMMAND --help for its flags)\ncommands:");
        WHAT.forEach((name, what) -> out.append(String.format("%n  %-17s %s", name, what)));
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        Command.exit(call(args, System.out, System.err));
    }

    /** Dispatches to the command; returns its exit status (2 for an unknown command). */
    static int call(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.println(usage());
            return 0;
        }
        Command<?> command = COMMANDS.get(args[0]);
        if (command == null) {
            err.println("specprefill: unknown command '" + args[0] + "'\n" + usage());
            return 2;
        }
        return command.call(Arrays.copyOfRange(args, 1, args.length), out, err);
    }

    /** The install's folder: -Dspecprefill.home (bin/specprefill sets it), SPECPREFILL_HOME, else the current one. */
    static Path home() {
        String home = System.getProperty("specprefill.home", System.getenv("SPECPREFILL_HOME"));
        return Path.of(home == null ? "." : home);
    }
}
