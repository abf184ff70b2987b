package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LongBenchMetricTest {
    @Test
    void classificationKeepsTheListMutationQuirk() {
        // matches [A, AB, ABC] for gt ABC: "A" is removed, which shifts "AB" under the loop index
        // so it is never examined; [AB, ABC] remain -> 1/2. A correct filter would give 1.0.
        List<String> classes = List.of("A", "AB", "ABC", "D");
        assertEquals(0.5, LongBenchMetric.classification("ABC", "ABC", classes), 0.0);
        assertEquals(1.0, LongBenchMetric.classification("it is D", "D", classes), 0.0);
        assertEquals(0.0, LongBenchMetric.classification("it is D", "A", classes), 0.0);
        // Four classes found, none of them a part of the ground truth "D": 1/4.
        assertEquals(0.25, LongBenchMetric.classification("D or ABC", "D", classes), 0.0);
    }

    @Test
    void retrievalAndCountShareOfNumbers() {
        assertEquals(0.5, LongBenchMetric.RETRIEVAL.score("Paragraph 12, not 3", "Paragraph 12", List.of(), null), 0.0);
        assertEquals(0.0, LongBenchMetric.RETRIEVAL.score("no numbers", "Paragraph 12", List.of(), null), 0.0);
        assertEquals(1.0, LongBenchMetric.RETRIEVAL_ZH.score("段落3", "段落3", List.of(), null), 0.0);
        assertEquals(2.0 / 3, LongBenchMetric.COUNT.score("7 or 7 or 8", "7", List.of(), null), 0.0);
        // Python's \d matches Arabic-Indic digits too: one number found, and it is not "12".
        assertEquals(0.0, LongBenchMetric.RETRIEVAL.score("\u0661\u0662", "Paragraph 12", List.of(), null), 0.0);
        assertEquals(0.5, LongBenchMetric.COUNT.score("\u0661\u0662 12", "12", List.of(), null), 0.0);
    }

    @Test
    void retrievalGroundTruthWithoutParagraphIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LongBenchMetric.RETRIEVAL.score("1", "no paragraph", List.of(), null));
        assertEquals(true, e.getMessage().contains("no paragraph"));
    }

    @Test
    void rougeZhJoinsSegmentsWithSpaces() {
        ChineseSegmenter chars = t -> t.codePoints().mapToObj(Character::toString).toList();
        // "北京大学" vs "北京" as characters: ref {北, 京} m = 2, hyp n = 4, llcs = 2.
        double p = 2.0 / 4;
        double r = 1.0;
        assertEquals(2.0 * ((p * r) / (p + r + 1e-8)), LongBenchMetric.ROUGE_ZH.score("北京大学", "北京", List.of(), chars), 0.0);
    }
}
