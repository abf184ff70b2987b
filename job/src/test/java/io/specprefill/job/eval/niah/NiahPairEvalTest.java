package io.specprefill.job.eval.niah;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.eval.SharedData;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * eval-niah on the shipped trained pair (models/niah-draft, niah-target) over the first rows of
 * shared/data/niah/niah-1k.jsonl (skipped when shared/data is absent). Behaviour, not speed.
 */
class NiahPairEvalTest {
    private static final int ROWS = 3;

    private static Path model(String name) {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("models").resolve(name))) {
                return d.resolve("models").resolve(name);
            }
        }
        throw new IllegalStateException("models/" + name + " not found above " + System.getProperty("user.dir"));
    }

    @Test
    void referencesAnswerAndKeepTenPercentWithLookaheadEightKeepsTheNeedle() {
        Optional<Path> data = SharedData.resolve("niah/niah-1k.jsonl");
        assumeTrue(data.isPresent(), SharedData.missing("niah/niah-1k.jsonl"));
        NiahEval.Options options = new NiahEval.Options(model("niah-draft"), model("niah-target"),
                ConfigLoader.load(null, List.of("backend=cpu", "max_new_tokens=12", "draft_batch_size=1",
                        "target_batch_size=1")));
        List<NiahRow> rows = NiahRow.read(data.get(), ROWS);
        List<NiahEval.Result> results = new NiahEval(options).run(rows, NiahEval.configs(List.of(0.1), List.of(1, 8)),
                new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(4, results.size());
        NiahEval.Result target = results.get(0);
        NiahEval.Result draft = results.get(1);
        NiahEval.Result lookahead1 = results.get(2);
        NiahEval.Result lookahead8 = results.get(3);
        // measured on these rows (CPU backend): both references answer all three
        assertEquals(100.0, NiahTable.accuracy(target.outcomes()), "target alone");
        assertEquals(100.0, NiahTable.accuracy(draft.outcomes()), "draft alone");
        assertEquals(1.0, NiahTable.needleKept(lookahead8.outcomes()), "keep 0.1, A=8 keeps every asked needle");
        assertEquals(0.0, NiahTable.needleKept(lookahead1.outcomes()),
                "keep 0.1, A=1: the last prompt token alone does not attend to the needle");
        for (NiahEval.Outcome o : lookahead8.outcomes()) {
            double ratio = (double) o.keptTokens() / o.promptTokens();
            // ceil(0.1 * chunks) chunks of 32, the first token and the last 32 (K/N under 0.1 when the short
            // last chunk is one of the selected ones)
            assertTrue(ratio > 0.05 && ratio < 0.16, o.row().id() + ": K/N " + ratio);
        }
        assertTrue(NiahTable.accuracy(lookahead8.outcomes()) >= 200.0 / 3 - 0.01, "keep 0.1, A=8 answers at least 2 of 3");
    }
}
