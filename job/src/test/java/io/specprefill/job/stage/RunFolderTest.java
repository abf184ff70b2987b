package io.specprefill.job.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {
    @TempDir
    Path tmp;

    @Test
    void aCheckpointIsFinishedOnlyWithItsMarkerAndItsSettings() throws Exception {
        RunFolder folder = new RunFolder(tmp);
        folder.checkFresh();
        Map<String, String> settings = new LinkedHashMap<>(Map.of("keep", "0.1", "lookahead", "8"));
        assertFalse(folder.finished(folder.stage1(), settings), "no checkpoint");
        Files.createDirectories(folder.stage1());
        Files.writeString(folder.stage1().resolve("part-00000.parquet"), "half written");
        assertFalse(folder.finished(folder.stage1(), settings), "files without the marker: unfinished");
        IllegalArgumentException fresh = assertThrows(IllegalArgumentException.class, folder::checkFresh);
        assertEquals("--output " + tmp + " already holds a run (stage1): pass --resume to continue it, or choose another --output",
                fresh.getMessage());

        folder.markFinished(folder.stage1(), settings, 12);
        assertTrue(folder.finished(folder.stage1(), settings));
        Map<String, String> other = new LinkedHashMap<>(settings);
        other.put("keep", "0.3");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> folder.finished(folder.stage1(), other));
        assertTrue(e.getMessage().contains("(keep: checkpoint 0.1, this run 0.3)"), e.getMessage());
    }
}
