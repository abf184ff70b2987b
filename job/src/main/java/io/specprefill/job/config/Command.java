package io.specprefill.job.config;

import io.specprefill.udf.model.ModelFormatException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One program of {@code bin/specprefill} (and the job's spark-submit entry): its name, its usage, how
 * it gets ready, and what it then does. {@link #call} is the one parse, usage, exit wrapper they
 * all share, so every command reports errors alike:
 * <ul>
 *   <li>{@code --help} or {@code -h}: the usage on out, status 0;</li>
 *   <li>{@link Prepare}: parse the flags and check what the work needs (config, paths, input files,
 *       output folder, models), so that most user errors show before Spark or a model starts;</li>
 *   <li>{@link Run}: the work.</li>
 * </ul>
 * A user error, in either phase, prints one line, "specprefill NAME: what and where", and exits with
 * status 2: a bad command line ({@link Flags.UsageException}, followed by the usage), bad input, config,
 * paths or output folder ({@link IllegalArgumentException}), a bad model directory
 * ({@link ModelFormatException}), also when Spark wraps one of them. A failure that is not the
 * user's input ({@link IllegalStateException}: a device or a stage failed; an I/O error) prints one
 * line and exits with status 1. Anything else is a bug and propagates with its stack trace.
 * {@link #exit} is the only {@code System.exit}.
 *
 * @param name the command's name, as typed after {@code specprefill}
 * @param <O>  what {@link Prepare} hands to {@link Run}
 */
public record Command<O>(String name, String usage, Prepare<O> prepare, Run<O> run) {

    /** Exit status of a user error (flags, config, paths, input, output folder, models). */
    public static final int USER_ERROR = 2;
    /** Exit status of a failure while working that is not the user's input. */
    public static final int FAILED = 1;

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

    /** Runs the command; returns its exit status (0 ok, 2 a user error, 1 failed while working). */
    public int call(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (wantsHelp(args)) {
            out.println(usage);
            return 0;
        }
        try {
            O ready = prepare.prepare(args);
            run.run(ready, out, err);
            return 0;
        } catch (Flags.UsageException e) {
            err.println(prefix() + e.getMessage() + "\n" + usage);
            return USER_ERROR;
        } catch (Exception e) {
            Throwable user = userError(e);
            if (user != null) {
                err.println(prefix() + user.getMessage());
                return USER_ERROR;
            }
            if (e instanceof IllegalStateException || e instanceof UncheckedIOException) {
                err.println(prefix() + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
                return FAILED;
            }
            throw e;
        }
    }

    /**
     * The user error behind {@code e}: itself or a cause (Spark wraps what its tasks and readers
     * throw), when it is an {@link IllegalArgumentException} or a {@link ModelFormatException}; else null.
     */
    static Throwable userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof ModelFormatException) return t;
        }
        return null;
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
        return name.isEmpty() ? "specprefill: " : "specprefill: " + name + ": ";
    }
}
