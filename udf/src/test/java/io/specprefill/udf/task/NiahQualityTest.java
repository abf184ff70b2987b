package io.specprefill.udf.task;

import io.specprefill.udf.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trained needle-in-a-haystack pair the project ships (models/niah-draft, niah-target) on the
 * public evaluation rows of ../shared/data/niah (skipped when absent): at keep 0.1 the draft's
 * look-ahead attention must keep every needle, and the target must still answer from the kept
 * tenth. Checks behaviour, not speed. (With look-ahead 1 the same rows keep no needle at all: the
 * last prompt token alone does not look for it; that is why A = 8 is the default.)
 */
class NiahQualityTest {
    private static final int ROWS = 6;

    private static double accuracy(List<GenerationResult> out) {
        int ok = 0;
        for (GenerationResult r : out) {
            assertEquals(null, r.error(), r.source().id());
            boolean all = true;
            for (String a : r.source().answers()) all &= r.outputText().contains(a);
            if (all) ok++;
        }
        return (double) ok / out.size();
    }

    @Test
    void atKeepTenPercentTheDraftKeepsEveryNeedleAndTheTargetFindsMost() throws IOException {
        TaskTestSupport.NiahPair pair = TaskTestSupport.niahPair(ROWS, "NIAH quality check");
        List<PromptRecord> rows = pair.rows();
        TestSettings t = pair.settings();
        Path target = pair.target();
        List<ScoredPrompt> scored = TaskTestSupport.stage1(t.build(), rows);
        Tokenizer tok = Tokenizer.load(target);
        double ratio = 0;
        for (ScoredPrompt s : scored) {
            String kept = tok.decode(s.keptIds(), true);
            for (String a : s.source().answers()) {
                assertTrue(kept.contains(a), s.source().id() + ": the needle's number " + a + " is not among the "
                        + s.keptTokens() + " kept tokens of " + s.promptTokens());
            }
            ratio += (double) s.keptTokens() / s.promptTokens() / scored.size();
        }
        // ~1285 tokens: 41 chunks of 32, ceil(4.1) = 5 kept, plus the first token and the last 32
        assertTrue(ratio < 0.16, "mean keep ratio " + ratio);
        double acc = accuracy(TaskTestSupport.stage2(t.build(), scored));
        System.out.printf(Locale.ROOT, "niah-1k first %d rows, keep 0.1: accuracy %.2f, mean K/N %.3f%n", ROWS, acc, ratio);
        // measured on these rows (CPU backend): 4 of 6 (12 rows: 10 of 12; full prefill: 12 of 12)
        assertTrue(acc >= 4.0 / 6, "keep 0.1 accuracy " + acc);
    }
}
