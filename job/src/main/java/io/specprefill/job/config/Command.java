package io.specprefill.job.config;

import io.specprefill.udf.model.ModelFormatException;
import java.io.PrintStream;
import java.util.List;

/**
 * One program of {@code bin/specprefill} (and the job's spark-submit entry): its name, its usage, how
 * it gets ready, and what it then does. {@link #call} is the one parse, usage, exit wrapper they
 * all share:
 * <ul>
 *   <li>{@code --help} or {@code -h}: the usage on out, status 0;</li>
 *   <li>{@link Prepare}: parse the flags and check what the work needs (config, paths, models). A
 *       bad command line ({@link Flags.UsageException}) prints its message and the usage, other bad
 *       input ({@link IllegalArgumentException}) its message: status 2;</li>
 *   <li>{@link Run}: the work. Bad data or models met while working ({@link IllegalArgumentException},
 *       {@link IllegalStateException}, {@link ModelFormatException}) print their message: status 1;
 *       anything else is a bug and propagates with its stack trace.</li>
 * </ul>
 * Messages are one line, "specprefill NAME: ...". {@link #exit} is the only {@code System.exit}.
 *
 * @param name the command's name, as typed after {@code specprefill}
 * @param <O>  what {@link Prepare} hands to {@link Run}
 */
public record Command<O>(String name, String usage, Prepare<O> prepare, Run<O> run) {

    /** Parses the command line and checks what the work needs. */
    @FunctionalInterface
    public interface Prepare<O> {
        O prepare(String[] args) throws Exception;
    }

    /** Does the work; out gets the results, err the progress. */
    @FunctionalInterface
    public interface Run<O> {
        void run(O ready, PrintStream out, PrintStream err) throws Exception;
    }

    /** Runs the command; returns its exit status (0 ok, 2 bad usage or input, 1 failed while working). */
    public int call(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (wantsHelp(args)) {
            out.println(usage);
            return 0;
        }
        O ready;
        try {
            ready = prepare.prepare(args);
        } catch (Flags.UsageException e) {
            err.println(prefix() + e.getMessage() + "\n" + usage);
            return 2;
        } catch (IllegalArgumentException e) {
            err.println(prefix() + e.getMessage());
            return 2;
        }
        try {
            run.run(ready, out, err);
            return 0;
        } catch (IllegalArgumentException | IllegalStateException | ModelFormatException e) {
            err.println(prefix() + e.getMessage());
            return 1;
        }
    }

    /** The process entry: {@link #call} on the console, then {@link #exit}. */
    public void main(String[] args) throws Exception {
        exit(call(args, System.out, System.err));
    }

    /** Ends the JVM with {@code status} unless it is 0 (then main returns, and Spark's threads end as usual). */
    public static void exit(int status) {
        if (status != 0) {
            System.exit(status);
        }
    }

    public static boolean wantsHelp(String[] args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    private String prefix() {
        return name.isEmpty() ? "specprefill: " : "specprefill " + name + ": ";
    }
}
