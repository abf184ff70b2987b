package io.specprefill.job.eval.ruler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.summary.DatasetScorer;
import io.specprefill.job.summary.DatasetScorer.Prediction;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class RulerDatasetScorerTest {
    @Test
    void registeredAndScoresRulerTasksOnly() {
        assertTrue(ServiceLoader.load(DatasetScorer.class).stream().anyMatch(p -> p.type() == RulerDatasetScorer.class));
        List<Prediction> rows = List.of(new Prediction(" 1234567.", List.of("1234567"), List.of(), 100),
                new Prediction("A and b", List.of("a", "c", "b"), List.of(), 100),
                new Prediction("", List.of("9"), List.of(), 100));
        // (1 + 2/3 + 0) / 3 * 100 = 55.555... -> 55.56
        assertEquals(Map.of("string_match_all", 55.56), new RulerDatasetScorer().score("niah_single_1", rows));
        assertEquals(Map.of(), new RulerDatasetScorer().score("hotpotqa", rows));
    }
}
