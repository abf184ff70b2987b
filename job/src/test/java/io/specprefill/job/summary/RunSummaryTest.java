package io.specprefill.job.summary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.io.RowCodec;
import io.specprefill.udf.task.GenerationResult;
import io.specprefill.udf.task.PromptRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSummaryTest {
    @TempDir
    Path tmp;

    @Test
    void percentilesInterpolateLikeNumpy() {
        Stats s = Stats.of(new double[] {4, 1, 3, 2});
        assertEquals(2.5, s.p50());
        assertEquals(3.7, s.p90(), 1e-12);
        assertEquals(2.5, s.mean());
        assertEquals(4, s.max());
        assertEquals(7, Stats.of(new double[] {7}).p90());
        assertTrue(Double.isNaN(Stats.of(new double[0]).p50()));
    }

    @Test
    void stringMatchAllIsTheFractionOfAnswersFound() {
        assertEquals(1.0, AnswerMatch.stringMatchAll("The number is 1234567.", List.of("1234567")));
        assertEquals(0.5, AnswerMatch.stringMatchAll("paris and ROME", List.of("Rome", "Berlin")));
        assertEquals(0.0, AnswerMatch.stringMatchAll(null, List.of("x")));
        assertThrows(IllegalArgumentException.class, () -> AnswerMatch.stringMatchAll("x", List.of()));
    }

    @Test
    void totalsSkipFailedRowsAndDatasetsScoreAnswers() {
        List<Row> rows = new ArrayList<>();
        rows.add(row(0, "niah", List.of("111"), "is 111", 100, 10, 10.0, null));
        rows.add(row(1, "niah", List.of("222"), "is 999", 200, 30, 20.0, null));
        rows.add(row(2, "niah", List.of("333"), null, 0, 0, 0.0, "input row 2 (id r2): empty prompt"));
        rows.add(row(3, null, List.of(), "free text", 50, 50, 40.0, null));
        DatasetScorer scorer = (dataset, predictions) -> Map.of("rows_seen", (double) predictions.size());
        RunSummary s = RunSummary.of(rows.iterator(), List.of(scorer));
        assertEquals(4, s.rows());
        assertEquals(1, s.errors());
        assertEquals(350, s.promptTokens());
        assertEquals(90, s.keptTokens());
        assertEquals(6, s.outputTokens(), "two ids per successful row");
        assertEquals((0.1 + 0.15 + 1.0) / 3, s.meanKeepRatio(), 1e-12);
        assertEquals(20.0, s.ttftMs().p50());
        assertEquals(3, s.ttftMs().count());
        RunSummary.DatasetSummary niah = s.datasets().get("niah");
        assertEquals(3, niah.rows());
        assertEquals(1, niah.errors());
        assertEquals(100.0 / 3, niah.accuracy(), 1e-9, "one of three rows found its number; the failed row counts 0");
        assertEquals(Map.of("rows_seen", 3.0), niah.scores());
        assertNull(s.datasets().get(RunSummary.NO_DATASET).accuracy(), "no answers, no accuracy");
        assertEquals(List.of("r2: input row 2 (id r2): empty prompt"), s.errorExamples());
        String table = SummaryTable.format(s);
        assertTrue(table.contains("rows 4 (errors 1)"), table);
        assertTrue(table.contains("niah"), table);
    }

    @Test
    void jsonRoundTrips() {
        List<Row> rows = List.of(row(0, "d", List.of("1"), "1", 10, 5, 3.0, null));
        RunSummary s = RunSummary.of(rows.iterator(), List.of()).withRun(info(RunSummary.RunInfo.SCORED, 0.5));
        Path file = tmp.resolve("summary.json");
        SummaryTable.writeJson(s, file);
        assertEquals(s, SummaryTable.readJson(file));
    }

    @Test
    void anEmptyInputSaysSoAndWritesNoNaN() {
        RunSummary s = RunSummary.of(java.util.Collections.emptyIterator(), List.of())
                .withRun(info(RunSummary.RunInfo.SCORED, 0.5));
        String json = SummaryTable.json(s);
        assertFalse(json.contains("NaN"), json);
        assertTrue(json.contains("\"keep_ratio\" : null") && json.contains("\"p50\" : null"), json);
        String table = SummaryTable.format(s);
        assertFalse(table.contains("NaN"), table);
        assertTrue(table.contains("0 rows read from /in.jsonl"), table);
        Path file = tmp.resolve("summary.json");
        SummaryTable.writeJson(s, file);
        assertEquals(s, SummaryTable.readJson(file), "null reads back as NaN");

        RunSummary failed = RunSummary.of(List.of(row(0, "d", List.of(), null, 10, 0, 0.0, "too long")).iterator(),
                List.of());
        assertFalse(SummaryTable.json(failed).contains("NaN"));
        assertFalse(SummaryTable.format(failed).contains("NaN"), SummaryTable.format(failed));
    }

    @Test
    void theTableSaysWhatStageOneDidAndWhyTheKeepRatioIsAboveP() {
        List<Row> rows = List.of(row(0, "d", List.of(), "x", 100, 50, 3.0, null), row(1, "d", List.of(), "y", 300, 50, 3.0, null));
        RunSummary s = RunSummary.of(rows.iterator(), List.of());
        assertEquals(100.0 / 400, s.keepRatio(), 1e-12, "kept tokens over prompt tokens");
        assertEquals((0.5 + 50.0 / 300) / 2, s.meanKeepRatio(), 1e-12);
        String scored = SummaryTable.format(s.withRun(info(RunSummary.RunInfo.SCORED, 0.1)));
        assertTrue(scored.contains("stage 1 (draft scoring): 2 rows scored"), scored);
        assertTrue(scored.contains("keep ratio 0.250") && scored.contains("note: keep ratio 0.250 > keep 0.1"), scored);
        String noDraft = SummaryTable.format(s.withRun(info(RunSummary.RunInfo.NO_DRAFT, 1.0)));
        assertFalse(noDraft.contains("draft scoring") || noDraft.contains("scored"), noDraft);
        assertTrue(noDraft.contains("stage 1 (no draft: keep 1.0 keeps every token): 2 rows tokenized"), noDraft);
        String resumed = SummaryTable.format(s.withRun(info(RunSummary.RunInfo.RESUMED, 0.5)));
        assertTrue(resumed.contains("stage 1: resumed from its checkpoint"), resumed);
        assertFalse(resumed.contains("note:"), "0.25 <= 0.5");
    }

    private static RunSummary.RunInfo info(String stage1, double keep) {
        boolean scored = stage1.equals(RunSummary.RunInfo.SCORED);
        return new RunSummary.RunInfo("keep " + keep, "/in.jsonl", "/out", "jsonl", stage1,
                RunSummary.RunInfo.GENERATED, scored ? 2 : 0, stage1.equals(RunSummary.RunInfo.RESUMED) ? 0 : 2, 1.5,
                2.5, keep, 32, 32);
    }

    private static Row row(long index, String dataset, List<String> answers, String text, int n, int k, double ttft,
                           String error) {
        PromptRecord source = new PromptRecord("r" + index, null, dataset, answers, List.of(), -1, -1, null);
        GenerationResult g = new GenerationResult(source, text, text == null ? null : new int[] {1, 2}, n, k,
                n == 0 ? 0 : (double) k / n, 1.0, 2.0, ttft, 5.0, error);
        return RowCodec.resultRow(index, g);
    }
}
