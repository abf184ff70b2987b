package io.specprefill.udf.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.udf.model.TestCheckpoints;
import io.specprefill.udf.testing.Golden;
import io.specprefill.udf.tokenizer.Tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/** Shared inputs of the task tests: the golden prompt as text, rows, and both stages run without Spark. */
final class TaskTestSupport {
    static final Golden TARGET = Golden.load("tiny-target");
    static final Tokenizer TOKENIZER = Tokenizer.load(TestCheckpoints.golden("tiny-target"));
    /** The golden 300-token prompt as text (BOS dropped; encoding adds it back). */
    static final String GOLDEN_TEXT = TOKENIZER.decode(TARGET.inputIds, true);

    private TaskTestSupport() {
    }

    /** The text of the golden prompt's first {@code n} ids (BOS included in the count). */
    static String prefix(int n) {
        return TOKENIZER.decode(Arrays.copyOf(TARGET.inputIds, n), true);
    }

    static PromptRecord row(String id, String prompt) {
        return new PromptRecord(id, prompt, null, List.of(), List.of(), -1, -1, null);
    }

    static List<ScoredPrompt> stage1(TaskSettings s, List<PromptRecord> rows) {
        return drain(new ScoringIterator(s, rows.iterator(), -1, "test stage1"));
    }

    static List<GenerationResult> stage2(TaskSettings s, List<ScoredPrompt> rows) {
        return drain(new GenerationIterator(s, rows.iterator(), -1, "test stage2"));
    }

    static List<GenerationResult> both(TaskSettings s, List<PromptRecord> rows) {
        return stage2(s, stage1(s, rows));
    }

    static <T> List<T> drain(Iterator<T> it) {
        List<T> out = new ArrayList<>();
        while (it.hasNext()) out.add(it.next());
        return out;
    }

    /** {@code rel} under the working directory or the nearest ancestor that has it; null when none does. */
    static Path findUpwards(String rel) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(rel))) return p.resolve(rel);
        }
        return null;
    }

    /** ../shared/data/niah/niah-1k.jsonl: under -Dspecprefill.shared when set, else searched upwards; null when absent. */
    static Path niahData() {
        String shared = System.getProperty("specprefill.shared");
        if (shared == null) return findUpwards("shared/data/niah/niah-1k.jsonl");
        Path p = Path.of(shared, "data/niah/niah-1k.jsonl");
        return Files.exists(p) ? p : null;
    }

    /** The shipped needle pair on the first rows of niah-1k, as the quality tests run it. */
    record NiahPair(List<PromptRecord> rows, Path target, TestSettings settings) {
    }

    /**
     * The first {@code n} rows of niah-1k and settings for the shipped pair (models/niah-draft and
     * niah-target) at keep 0.1, 12 new tokens, batches of 3; the test is skipped, naming {@code check},
     * where the data or the models are absent.
     */
    static NiahPair niahPair(int n, String check) throws IOException {
        Path data = niahData();
        Path draft = findUpwards("models/niah-draft");
        Path target = findUpwards("models/niah-target");
        org.junit.jupiter.api.Assumptions.assumeTrue(data != null, "shared/data/niah/niah-1k.jsonl not found (searched"
                + " upwards from user.dir; set -Dspecprefill.shared=/path/to/shared to point at it): " + check + " skipped");
        org.junit.jupiter.api.Assumptions.assumeTrue(draft != null && target != null, "models/niah-draft|niah-target not found");
        TestSettings t = new TestSettings();
        t.draftDir = draft.toString();
        t.targetDir = target.toString();
        t.keep = 0.1;
        t.maxNewTokens = 12;
        t.draftBatchSize = 3;
        t.targetBatchSize = 3;
        return new NiahPair(niahRows(data, n), target, t);
    }

    /** The first {@code n} needle rows of {@code file} (one JSON object per line: id, prompt, answers). */
    static List<PromptRecord> niahRows(Path file, int n) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<PromptRecord> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file)) {
            for (String line; out.size() < n && (line = r.readLine()) != null; ) {
                JsonNode j = json.readTree(line);
                List<String> answers = new ArrayList<>();
                j.get("answers").forEach(a -> answers.add(a.asText()));
                out.add(new PromptRecord(j.get("id").asText(), j.get("prompt").asText(), "niah", answers, null, -1, -1, null));
            }
        }
        return out;
    }

    static int[] iota(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }
}
