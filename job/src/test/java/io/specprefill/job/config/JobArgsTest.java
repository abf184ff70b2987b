package io.specprefill.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.udf.task.TaskSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobArgsTest {
    @TempDir
    Path tmp;

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

    @Test
    void aRunNeedsInputTargetAndADraftWhenSpeculating() throws IOException {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{}\n");
        Path model = Files.createDirectories(tmp.resolve("model"));
        JobConfig speculate = JobConfig.defaults();
        JobConfig baseline = ConfigLoader.parse("keep: 1.0", "b.yaml", List.of());
        JobArgs noDraft = JobArgs.parse(new String[] {"--input", in.toString(), "--target", model.toString(),
                "--output", tmp.resolve("o").toString()});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> noDraft.checkForRun(speculate));
        assertEquals("--draft is required when keep=0.3 < 1 (pass --draft none for the no-draft baseline)", e.getMessage());
        noDraft.checkForRun(baseline);
        JobArgs missingInput = JobArgs.parse(new String[] {"--input", tmp.resolve("nope").toString(), "--target",
                model.toString(), "--output", "o", "--draft", "none"});
        e = assertThrows(IllegalArgumentException.class, () -> missingInput.checkForRun(speculate));
        assertEquals("--input " + tmp.resolve("nope") + ": no such file or folder", e.getMessage());
    }

    @Test
    void taskSettingsDropTheDraftWhenNothingIsPruned() {
        JobArgs a = JobArgs.parse(new String[] {"--input", "i", "--target", "t", "--draft", "d", "--output", "o"});
        TaskSettings speculate = a.taskSettings(ConfigLoader.parse("keep: 0.1\nlookahead: 4", "c", List.of()));
        assertEquals(Path.of("d").toAbsolutePath().toString(), speculate.draftDir());
        assertEquals(0.1, speculate.keep());
        assertEquals(4, speculate.lookahead());
        assertEquals(Path.of("t").toAbsolutePath().toString(), speculate.targetDir());
        assertNull(a.taskSettings(ConfigLoader.parse("keep: 1.0", "c", List.of())).draftDir());
        JobArgs none = JobArgs.parse(new String[] {"--input", "i", "--target", "t", "--draft", "none", "--output", "o"});
        assertTrue(none.taskSettings(JobConfig.defaults()).speculationOff());
    }

    private static String message(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> JobArgs.parse(args)).getMessage();
    }
}
