package io.specprefill.udf.task;

import io.specprefill.udf.model.WeightsDtype;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quality cost of FP8 on the trained pair the project ships (models/niah-draft, niah-target) over
 * the first rows of ../shared/data/niah/niah-1k.jsonl, on the CPU backend (skipped without the data):
 * <ul>
 *   <li>kept-chunk overlap of the FP8 draft with the BF16 draft at keep 0.1: |kept_fp8 ∩ kept_bf16| /
 *       |kept_bf16| over all rows, at least 0.95 (the bar);</li>
 *   <li>needle accuracy at keep 0.1 with an FP8 draft and an FP8 target, against the same run with
 *       neither: FP8 may lose at most one row of the 6 (one in 20 of more rows).</li>
 * </ul>
 * The numbers it prints are the CPU rows of BENCHMARKS.md's FP8 quality table.
 */
class Fp8NiahQualityTest {
    /** The first rows of niah-1k (6 in CI; -Dspecprefill.fp8NiahRows=60 for the whole file, a few minutes). */
    private static final int ROWS = Integer.getInteger("specprefill.fp8NiahRows", 6);

    private static int correct(List<GenerationResult> out) {
        int ok = 0;
        for (GenerationResult r : out) {
            boolean all = r.error() == null;
            for (String a : r.source().answers()) all &= r.outputText().contains(a);
            if (all) ok++;
        }
        return ok;
    }

    @Test
    void fp8DraftKeepsTheSameChunksAndFp8ModelsStillFindTheNeedles() throws IOException {
        TaskTestSupport.NiahPair pair = TaskTestSupport.niahPair(ROWS, "FP8 NIAH quality check");
        List<PromptRecord> rows = pair.rows();
        TestSettings t = pair.settings();
        List<ScoredPrompt> bf16 = TaskTestSupport.stage1(t.build(), rows);
        int base = correct(TaskTestSupport.stage2(t.build(), bf16));
        t.weights = new WeightDtypes(WeightsDtype.FP8, WeightsDtype.FP8);
        List<ScoredPrompt> fp8 = TaskTestSupport.stage1(t.build(), rows);
        int both = correct(TaskTestSupport.stage2(t.build(), fp8));
        long kept = 0, shared2 = 0;
        for (int i = 0; i < ROWS; i++) {
            Set<Integer> a = new HashSet<>();
            for (int p : bf16.get(i).keptPositions()) a.add(p);
            kept += a.size();
            for (int p : fp8.get(i).keptPositions()) if (a.contains(p)) shared2++;
        }
        double overlap = (double) shared2 / kept;
        System.out.printf(Locale.ROOT, "niah-1k first %d rows, keep 0.1: kept-token overlap FP8 vs BF16 draft %.3f;"
                + " accuracy BF16 draft+target %d/%d, FP8 draft+target %d/%d%n", ROWS, overlap, base, ROWS, both, ROWS);
        assertTrue(overlap >= 0.95, "kept-token overlap of the FP8 draft with the BF16 one: " + overlap);
        assertTrue(both >= base - Math.max(1, ROWS / 20), "FP8 draft and target: " + both + " of " + ROWS + ", BF16: " + base);
    }
}
