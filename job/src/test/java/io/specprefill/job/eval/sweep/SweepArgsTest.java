package io.specprefill.job.eval.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepArgsTest {
    private static final String[] JOB = {"--input", "in.jsonl", "--target", "t", "--draft", "d", "--output", "out",
        "--set", "max_new_tokens=4"};

    private static SweepArgs parse(String... extra) {
        String[] argv = new String[JOB.length + extra.length];
        System.arraycopy(JOB, 0, argv, 0, JOB.length);
        System.arraycopy(extra, 0, argv, JOB.length, extra.length);
        return SweepArgs.parse(argv, job -> 6);
    }

    @Test
    void defaultsAreTheFiveKeepRatesAndTheConfigsLookahead() {
        SweepArgs a = parse();
        assertEquals(List.of(0.1, 0.3, 0.5, 0.7, 0.9), a.keeps());
        assertEquals(List.of(6), a.lookaheads());
        assertEquals(Path.of("out"), a.job().output());
        assertEquals(List.of("max_new_tokens=4"), a.job().sets(), "the job's flags pass through");
    }

    @Test
    void listsAreParsedAndAListedBaselineIsDropped() {
        SweepArgs a = parse("--keeps", "1.0,0.2,0.4", "--lookaheads=1,8");
        assertEquals(List.of(0.2, 0.4), a.keeps());
        assertEquals(List.of(1, 8), a.lookaheads());
    }

    @Test
    void badValuesNameTheFlag() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--keeps", "0.2,x")).getMessage()
                .contains("--keeps 0.2,x: 'x' is not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--keeps", "1.5")).getMessage()
                .contains("--keeps 1.5: must be in (0, 1)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--lookaheads", "2.5")).getMessage()
                .contains("--lookaheads 2.5: not an integer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--lookaheads", "0")).getMessage()
                .contains("--lookaheads 0: must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--keeps")).getMessage()
                .contains("--keeps needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--keeps", "0.2,0.2")).getMessage()
                .contains("values repeat"));
    }

    @Test
    void runFoldersAndLabels() {
        Sweep.Run base = new Sweep.Run(1, 3, true, 1.0, 8, null);
        Sweep.Run spec = new Sweep.Run(2, 3, false, 0.1, 8, null);
        assertEquals("keep-1.00", base.dirName());
        assertEquals("keep-0.10-lah8", spec.dirName());
        assertEquals("keep 1.0 (baseline)", base.label());
        assertEquals("keep 0.1, A=8", spec.label());
        assertEquals("0.25", Sweep.trim(0.25));
    }
}
