package io.specprefill.job.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.JobPlan;
import io.specprefill.job.SparkTests;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.summary.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default on the shipped models, as {@code bin/specprefill run --output DIR} runs it. */
class EmbeddedRunTest {
    @TempDir
    Path tmp;

    @Test
    void onlyAnOutputFolderMeansTheEmbeddedDefault() {
        assertTrue(EmbeddedRun.isEmbedded(JobArgs.parse(new String[] {"--output", "o", "--set", "backend=cpu"})));
        assertTrue(!EmbeddedRun.isEmbedded(JobArgs.parse(new String[] {"--output", "o", "--input", "i"})));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedRun.plans(JobArgs.parse(new String[] {"--output", tmp.toString()}), tmp));
        assertTrue(e.getMessage().startsWith("the embedded default needs the shipped model " + tmp.resolve("models/niah-draft")),
                e.getMessage());
    }

    @Test
    void fullAndSpeculativePrefillSideBySide() throws Exception {
        Path out = tmp.resolve("demo");
        List<JobPlan> plans = EmbeddedRun.plans(JobArgs.parse(new String[] {"--output", out.toString(),
                "--output-format", "jsonl", "--set", "backend=cpu"}), Path.of(".."));
        SparkSession spark = SparkTests.session(EmbeddedRunTest.class);
        List<RunSummary> runs;
        try {
            runs = EmbeddedRun.run(spark, out, plans);
        } finally {
            spark.stop();
        }
        RunSummary full = runs.get(0);
        RunSummary speculative = runs.get(1);
        assertEquals("keep 1.0", full.run().label());
        assertEquals("keep 0.1", speculative.run().label());
        for (RunSummary s : runs) {
            assertEquals(EmbeddedRun.ROWS, s.rows());
            assertEquals(0, s.errors());
            assertTrue(Files.isRegularFile(Path.of(s.run().output(), "niah-sample.jsonl")), s.run().output());
        }
        assertEquals(1.0, full.meanKeepRatio());
        assertEquals(0.0, full.draftMs().max(), "no draft at keep 1.0");
        assertTrue(speculative.meanKeepRatio() > 0.08 && speculative.meanKeepRatio() < 0.2,
                "keep 0.1 of ~31 chunks: 4 chunks plus the forced first and tail tokens: " + speculative.meanKeepRatio());
        assertTrue(speculative.draftMs().p50() > 0, "the draft ran");
        double fullAccuracy = full.datasets().get("niah-sample").accuracy();
        assertTrue(fullAccuracy >= 75, "the trained target finds the needle with full prefill: " + fullAccuracy);
        String table = Files.readString(out.resolve("comparison.txt"));
        assertTrue(table.contains("keep 1.0") && table.contains("keep 0.1") && table.contains("niah-sample-11"), table);
        assertEquals(EmbeddedRun.ROWS, Files.readAllLines(out.resolve("sample/niah-sample.jsonl")).size());
    }
}
