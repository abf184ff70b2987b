package io.specprefill.job.summary;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        RunSummary s = RunSummary.of(rows.iterator(), List.of())
                .withRun(new RunSummary.RunInfo("keep 0.5", "/out", "jsonl", "scored", 1, 1.5, 2.5));
        Path file = tmp.resolve("summary.json");
        SummaryTable.writeJson(s, file);
        assertEquals(s, SummaryTable.readJson(file));
    }

    private static Row row(long index, String dataset, List<String> answers, String text, int n, int k, double ttft,
                           String error) {
        PromptRecord source = new PromptRecord("r" + index, null, dataset, answers, List.of(), -1, -1, null);
        GenerationResult g = new GenerationResult(source, text, text == null ? null : new int[] {1, 2}, n, k,
                n == 0 ? 0 : (double) k / n, 1.0, 2.0, ttft, 5.0, error);
        return RowCodec.resultRow(index, g);
    }
}
