package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.summary.DatasetScorer;
import io.specprefill.job.summary.DatasetScorer.Prediction;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class LongBenchDatasetScorerTest {
    @Test
    void registeredForTheRunSummary() {
        assertTrue(ServiceLoader.load(DatasetScorer.class).stream()
                .anyMatch(p -> p.type() == LongBenchDatasetScorer.class));
    }

    @Test
    void scoresLongBenchDatasetsOnly() {
        LongBenchDatasetScorer s = new LongBenchDatasetScorer();
        List<Prediction> rows = List.of(new Prediction("yes", List.of("yes"), List.of(), -1),
                new Prediction("no", List.of("yes"), List.of(), 12));
        assertEquals(Map.of("longbench", 50.0), s.score("hotpotqa", rows));
        assertEquals(Map.of(), s.score("niah_single_1", rows));
        assertEquals(Map.of(), s.score("hotpotqa", List.of(new Prediction("x", List.of(), List.of(), 1))));
    }
}
