package io.specprefill.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobArgsTest {
    @Test
    void parsesEveryFlagInBothSpellings() {
        JobArgs a = JobArgs.parse(new String[] {"--input", "in.jsonl", "--output=out", "--draft", "d", "--target", "t",
                "--config", "c.yaml", "--output-format", "jsonl", "--input-format=parquet", "--resume",
                "--set", "keep=0.1", "--set=lookahead=4"});
        assertEquals(Path.of("in.jsonl"), a.input());
        assertEquals(Path.of("out"), a.output());
        assertEquals("d", a.draft());
        assertEquals(Path.of("t"), a.target());
        assertEquals(Path.of("c.yaml"), a.config());
        assertEquals("jsonl", a.outputFormat());
        assertEquals("parquet", a.inputFormat());
        assertTrue(a.resume());
        assertEquals(List.of("keep=0.1", "lookahead=4"), a.sets());
        assertFalse(a.noDraft());
    }

    @Test
    void badFlagsAreNamed() {
        assertEquals("unknown flag '--inptu' (see --help)", message("--inptu", "x"));
        assertEquals("--output needs a value", message("--output"));
        assertEquals("--output-format csv: must be one of [parquet, arrow, jsonl]", message("--output-format", "csv"));
        assertEquals("--resume takes no value, got 'yes'", message("--resume=yes"));
        assertEquals("unexpected argument 'in.jsonl' (flags start with --)", message("in.jsonl"));
    }

    private static String message(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> JobArgs.parse(args)).getMessage();
    }
}
