package io.specprefill.job.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderInputCountsEveryDataFileAsSparkReadsIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("in.parquet/dt=1"));
        Files.writeString(dir.resolve("part-0.parquet"), "abc");
        Files.writeString(tmp.resolve("in.parquet/part-1.parquet"), "de");
        Files.writeString(tmp.resolve("in.parquet/_SUCCESS"), "");
        Files.writeString(dir.resolve(".part-0.parquet.crc"), "x");
        Fingerprint.Entries e = Fingerprint.input(tmp.resolve("in.parquet"));
        assertEquals(List.of("input file dt=1/part-0.parquet", "input file part-1.parquet"),
                e.entries().keySet().stream().sorted().toList());
        assertEquals("3 bytes, sha256 ba7816bf8f01cfea", e.entries().get("input file dt=1/part-0.parquet"),
                "SHA-256 of 'abc'");
        Files.writeString(dir.resolve("part-0.parquet"), "abd");
        assertNotEquals(e.entries(), Fingerprint.input(tmp.resolve("in.parquet")).entries());
    }
}
