package io.specprefill.job.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Walks a command line flag by flag: {@code --flag value} and {@code --flag=value}, flags without a
 * value, and typed values whose errors name the flag and the bad value. Each command keeps its own
 * table of flags (a {@code switch} on {@link #flag()}) and its own range checks:
 * <pre>
 * Flags f = new Flags(args);
 * while (f.next()) {
 *     switch (f.flag()) {
 *         case "--limit" -> limit = f.intValue();
 *         case "--json" -> json = true;
 *         default -> throw f.unknown();
 *     }
 * }
 * </pre>
 * Every error is a {@link UsageException}, an {@link IllegalArgumentException}.
 */
public final class Flags {
    private final String[] args;
    private int next;
    private String arg;
    private String flag;
    private String inline;

    public Flags(String[] args) {
        this.args = args;
    }

    /** A bad command line: the message names the flag. */
    public static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    /** Moves to the next argument; false when none is left. {@code --k=v} splits into flag --k and value v. */
    public boolean next() {
        if (next >= args.length) return false;
        arg = args[next++];
        flag = arg;
        inline = null;
        int eq = flag.indexOf('=');
        if (flag.startsWith("--") && eq > 0) {
            inline = flag.substring(eq + 1);
            flag = flag.substring(0, eq);
        }
        return true;
    }

    /** The current flag's name, without any {@code =value}. */
    public String flag() {
        return flag;
    }

    /** The current argument exactly as given (for passing it on to another parser). */
    public String arg() {
        return arg;
    }

    /** The current flag's value: after its '=', else the next argument (whatever it starts with). */
    public String value() {
        if (inline != null) return inline;
        if (next >= args.length) throw new UsageException(flag + " needs a value");
        return args[next++];
    }

    /** Further values of a multi-value flag ({@code --data F1 F2}): the arguments up to the next one starting with --. */
    public List<String> moreValues() {
        List<String> more = new ArrayList<>();
        while (next < args.length && !args[next].startsWith("--")) more.add(args[next++]);
        return more;
    }

    /** For a flag that takes no value: throws when one was given as {@code --flag=value}. */
    public void noValue() {
        if (inline != null) throw new UsageException(flag + " takes no value, got '" + inline + "'");
    }

    /** Throws unless the current argument starts with --. */
    public void requireFlag() {
        if (!flag.startsWith("--")) throw new UsageException("unexpected argument '" + flag + "' (flags start with --)");
    }

    /** The error for a flag the command does not know; {@code throw f.unknown();}. */
    public UsageException unknown() {
        return new UsageException("unknown flag '" + flag + "' (see --help)");
    }

    public Path path() {
        return Path.of(value());
    }

    public int intValue() {
        return parsed(Integer::parseInt, "an integer");
    }

    public long longValue() {
        return parsed(Long::parseLong, "an integer");
    }

    public double doubleValue() {
        return parsed(Double::parseDouble, "a number");
    }

    private <T> T parsed(Function<String, T> parse, String what) {
        String v = value();
        try {
            return parse.apply(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " '" + v + "' is not " + what);
        }
    }

    /** A comma-separated list, "0.1,0.3" -> [0.1, 0.3]; an error names the flag, the value and the item. */
    public <T> List<T> list(Function<String, T> parse) {
        String v = value();
        List<T> out = new ArrayList<>();
        for (String item : v.split(",")) {
            try {
                out.add(parse.apply(item.trim()));
            } catch (NumberFormatException e) {
                throw new UsageException(flag + " " + v + ": '" + item + "' is not a number");
            }
        }
        return out;
    }
}
