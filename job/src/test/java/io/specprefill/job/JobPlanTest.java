package io.specprefill.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.config.JobConfig;
import io.specprefill.udf.task.TaskSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobPlanTest {
    @TempDir
    Path tmp;

    @Test
    void aRunNeedsInputTargetAndADraftWhenSpeculating() throws IOException {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{}\n");
        Path model = Files.createDirectories(tmp.resolve("model"));
        JobConfig speculate = JobConfig.defaults();
        JobArgs noDraft = JobArgs.parse(new String[] {"--input", in.toString(), "--target", model.toString(),
                "--output", tmp.resolve("o").toString()});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobPlan.prepare(noDraft, speculate));
        assertEquals("--draft is required when keep=0.3 < 1 (pass --draft none for the no-draft baseline)", e.getMessage());
        JobArgs missingInput = JobArgs.parse(new String[] {"--input", tmp.resolve("nope").toString(), "--target",
                model.toString(), "--output", "o", "--draft", "none"});
        e = assertThrows(IllegalArgumentException.class, () -> JobPlan.prepare(missingInput, speculate));
        assertEquals("--input " + tmp.resolve("nope") + ": no such file or folder", e.getMessage());
        JobArgs noTarget = JobArgs.parse(new String[] {"--input", in.toString(), "--output", "o"});
        e = assertThrows(IllegalArgumentException.class, () -> JobPlan.prepare(noTarget, speculate));
        assertEquals("--target is required", e.getMessage());
    }

    @Test
    void taskSettingsCarryTheConfigsRecordsAsTheyAreAndDropTheDraftWhenNothingIsPruned() {
        JobConfig c = ConfigLoader.parse("keep: 0.1\nlookahead: 4", "c", List.of());
        TaskSettings speculate = JobPlan.taskSettings(Path.of("d"), Path.of("t"), c);
        assertEquals(Path.of("d").toAbsolutePath().toString(), speculate.draftDir());
        assertEquals(Path.of("t").toAbsolutePath().toString(), speculate.targetDir());
        assertSame(c.prefill(), speculate.prefill(), "passed down, not rebuilt");
        assertSame(c.generation(), speculate.generation());
        assertFalse(speculate.speculationOff());
        TaskSettings keepAll = JobPlan.taskSettings(Path.of("d"), Path.of("t"), ConfigLoader.parse("keep: 1.0", "c", List.of()));
        assertNull(keepAll.draftDir());
        assertTrue(keepAll.speculationOff());
        assertTrue(JobPlan.taskSettings(null, Path.of("t"), JobConfig.defaults()).speculationOff());
    }
}
