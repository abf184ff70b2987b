package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.eval.LongBenchDatasets.Category;
import io.specprefill.job.eval.LongBenchScorer.Prediction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LongBenchScorerTest {
    private final LongBenchScorer scorer = new LongBenchScorer(() -> {
        throw new AssertionError("English datasets must not load the segmenter");
    });

    @Test
    void firstLineRuleAndMaxOverAnswers() {
        LongBenchDatasets.Dataset trivia = LongBenchDatasets.get("triviaqa");
        // Leading newlines stripped, then only "Paris" counts; the best answer wins.
        assertEquals(1.0, scorer.sampleScore(trivia, "\n\nParis\nLondon", List.of("France", "paris"), List.of()), 0.0);
        // Without the rule (qasper), the second line lowers precision: [paris, london] vs [paris].
        LongBenchDatasets.Dataset qasper = LongBenchDatasets.get("qasper");
        assertEquals(2 * 0.5 / 1.5, scorer.sampleScore(qasper, "Paris\nLondon", List.of("paris"), List.of()), 0.0);
        assertEquals(0.0, scorer.sampleScore(qasper, "x", List.of(), List.of()), 0.0);
    }

    @Test
    void datasetScoreIsRoundedPercentOfTheMean() {
        LongBenchDatasets.Dataset d = LongBenchDatasets.get("hotpotqa");
        List<Prediction> rows = List.of(
                new Prediction("yes", List.of("yes"), List.of(), 10),
                new Prediction("no", List.of("yes"), List.of(), 10),
                new Prediction("no", List.of("yes"), List.of(), 10));
        assertEquals(33.33, scorer.score(d, rows), 0.0);
        assertThrows(IllegalArgumentException.class, () -> scorer.score(d, List.of()));
    }

    @Test
    void allClassesOfTheLastRowServeEveryRow() {
        LongBenchDatasets.Dataset trec = LongBenchDatasets.get("trec");
        List<Prediction> rows = List.of(
                new Prediction("Number", List.of("Number"), List.of("Number"), 1),
                new Prediction("Number", List.of("Number"), List.of("Location"), 1));
        assertEquals(0.0, scorer.score(trec, rows), 0.0);
    }

    @Test
    void lengthBucketsAndEmptyBucketNaN() {
        LongBenchDatasets.Dataset d = LongBenchDatasets.get("hotpotqa");
        List<Prediction> rows = List.of(
                new Prediction("yes", List.of("yes"), List.of(), 3999),
                new Prediction("no", List.of("yes"), List.of(), 100),
                new Prediction("yes", List.of("yes"), List.of(), 4000));
        Map<String, Double> e = scorer.scoreE(d, rows);
        assertEquals(50.0, e.get("0-4k"), 0.0);
        assertEquals(100.0, e.get("4-8k"), 0.0);
        assertTrue(Double.isNaN(e.get("8k+")));
        IllegalArgumentException noLength = assertThrows(IllegalArgumentException.class,
                () -> scorer.scoreE(d, List.of(new Prediction("a", List.of("a"), List.of(), null))));
        assertTrue(noLength.getMessage().contains("row 1"), noLength.getMessage());
    }

    @Test
    void categoryMeansAndAverage() {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("narrativeqa", 20.0);
        scores.put("qasper", 40.0);
        scores.put("lcc", 60.0);
        Map<Category, Double> c = LongBenchScorer.categoryMeans(scores);
        assertEquals(Map.of(Category.SINGLE_DOC_QA, 30.0, Category.CODE, 60.0), c);
        assertEquals(45.0, LongBenchScorer.average(c), 0.0);
    }
}
