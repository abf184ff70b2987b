package io.specprefill.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlagsTest {

    @Test
    void walksBothSpellingsBooleansAndMultiValueFlags() {
        Flags f = new Flags(new String[] {"--n", "3", "--x=0.5", "--set=a=b", "--on", "--data", "f1", "f2", "--p", "--v"});
        assertTrue(f.next());
        assertEquals("--n", f.flag());
        assertEquals(3, f.intValue());
        assertTrue(f.next());
        assertEquals("--x", f.flag());
        assertEquals("--x=0.5", f.arg());
        assertEquals(0.5, f.doubleValue());
        assertTrue(f.next());
        assertEquals("--set", f.flag());
        assertEquals("a=b", f.value(), "only the first '=' splits");
        assertTrue(f.next());
        assertEquals("--on", f.flag());
        f.noValue();
        assertTrue(f.next());
        assertEquals(Path.of("f1"), f.path());
        assertEquals(List.of("f2"), f.moreValues());
        assertTrue(f.next());
        assertEquals("--v", f.value(), "a separate value is taken whatever it starts with");
        assertFalse(f.next());
    }

    @Test
    void listsSplitOnCommasAndTrim() {
        Flags f = new Flags(new String[] {"--keeps", "0.1, 0.3", "--ints=1,8"});
        f.next();
        assertEquals(List.of(0.1, 0.3), f.list(Double::parseDouble));
        f.next();
        assertEquals(List.of(1, 8), f.list(Integer::parseInt));
    }

    @Test
    void errorsNameTheFlagAndTheValue() {
        assertEquals("--n needs a value", error(f -> f.value(), "--n"));
        assertEquals("--n 'x' is not an integer", error(Flags::intValue, "--n", "x"));
        assertEquals("--n '2.5' is not an integer", error(Flags::longValue, "--n=2.5"));
        assertEquals("--t 'hot' is not a number", error(Flags::doubleValue, "--t", "hot"));
        assertEquals("--keeps 0.2,x: 'x' is not a number", error(f -> f.list(Double::parseDouble), "--keeps", "0.2,x"));
        assertEquals("--on takes no value, got 'yes'", error(Flags::noValue, "--on=yes"));
        assertEquals("unexpected argument 'in.jsonl' (flags start with --)", error(Flags::requireFlag, "in.jsonl"));
        assertEquals("unknown flag '--nope' (see --help)", error(f -> {
            throw f.unknown();
        }, "--nope=1"));
    }

    private interface Step {
        void apply(Flags f);
    }

    private static String error(Step step, String... args) {
        Flags f = new Flags(args);
        assertTrue(f.next());
        return assertThrows(Flags.UsageException.class, () -> step.apply(f)).getMessage();
    }
}
