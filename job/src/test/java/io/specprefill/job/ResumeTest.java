package io.specprefill.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.stage.RunFolder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} reuses a finished checkpoint only when what it was made from is unchanged: the
 * input's content, the models' files (weights, config, tokenizer) and the settings. Each case changes
 * one thing in place, at the same path, after a run's checkpoints were marked finished, and expects
 * the driver to refuse before Spark starts, naming what changed and how to start fresh. No Spark
 * here: the markers are written as the job writes them ({@link RunFolder#markFinished}).
 */
class ResumeTest {
    @TempDir
    Path tmp;
    private Path input;
    private Path draft;
    private Path target;
    private Path out;

    @BeforeEach
    void finishedRun() throws IOException {
        input = Files.writeString(tmp.resolve("prompts.jsonl"), rows("a", "b", "c", "d", "e"));
        draft = GoldenModels.copy("tiny-draft", tmp.resolve("draft"));
        target = GoldenModels.copy("tiny-target", tmp.resolve("target"));
        out = tmp.resolve("out");
        JobPlan done = plan(false, "keep=0.3");
        RunFolder folder = new RunFolder(out);
        Files.createDirectories(folder.stage1());
        Files.createDirectories(folder.stage2());
        folder.markFinished(folder.stage1(), done.stage1Settings(), done.files().modified(), 5);
        folder.markFinished(folder.stage2(), done.stage2Settings(), done.files().modified(), 5);
    }

    @Test
    void nothingChangedResumes() {
        assertDoesNotThrow(() -> plan(true, "keep=0.3"));
    }

    @Test
    void touchingAFileWithTheSameContentStillResumes() throws IOException {
        Files.writeString(input, Files.readString(input));
        Files.setLastModifiedTime(target.resolve("model.safetensors"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertDoesNotThrow(() -> plan(true, "keep=0.3"));
    }

    @Test
    void anInputReplacedAtTheSamePathIsRefused() throws IOException {
        Files.writeString(input, rows("x", "y", "z"));
        String m = refused();
        assertTrue(m.contains("stage1 was made from other inputs or settings (input file prompts.jsonl: checkpoint "),
                m);
        assertFalse(m.contains("keep:"), "only what changed is named: " + m);
    }

    @Test
    void targetWeightsReplacedInPlaceAreRefused() throws IOException {
        rewriteWeights(target.resolve("model.safetensors"));
        String m = refused();
        assertTrue(m.contains("stage2 was made from other inputs or settings (target file model.safetensors: "), m);
        assertTrue(m.contains("data sample sha256"), m);
    }

    @Test
    void draftWeightsReplacedInPlaceAreRefused() throws IOException {
        rewriteWeights(draft.resolve("model.safetensors"));
        assertTrue(refused().contains("stage1 was made from other inputs or settings (draft file model.safetensors: "));
    }

    @Test
    void anotherTokenizerOrConfigIsRefused() throws IOException {
        Path tokenizer = target.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer) + "\n");
        assertTrue(refused().contains("(target file tokenizer.json: "));
        Path config = target.resolve("generation_config.json");
        Files.writeString(config, Files.readString(config).replace("{", "{\"note\": 1, "));
        assertTrue(refused().contains("target file generation_config.json: "));
    }

    @Test
    void otherSettingsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan(true, "keep=0.5"));
        assertTrue(e.getMessage().contains("(keep: checkpoint 0.3, this run 0.5)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> plan(true, "keep=0.3", "max_new_tokens=9"));
        assertTrue(e.getMessage().contains("stage2 was made from other inputs or settings (max_new_tokens: checkpoint 6,"
                + " this run 9)"), e.getMessage());
    }

    /** The message of the refusal, which says how to start fresh. */
    private String refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan(true, "keep=0.3"));
        assertTrue(e.getMessage().startsWith("--resume: " + out.toAbsolutePath()), e.getMessage());
        assertTrue(e.getMessage().endsWith("to start fresh, delete " + out.toAbsolutePath()
                + " or choose another --output, and run without --resume"), e.getMessage());
        return e.getMessage();
    }

    /** Same size, same header, other values: every 4 KiB of tensor data gets another byte. */
    private static void rewriteWeights(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int at = (int) (8 + header); at < bytes.length; at += 4096) {
            bytes[at] ^= 0x5a;
        }
        Files.write(file, bytes);
    }

    private JobPlan plan(boolean resume, String... sets) {
        List<String> argv = new ArrayList<>(List.of("--input", input.toString(), "--draft", draft.toString(),
                "--target", target.toString(), "--output", out.toString(), "--set", "max_new_tokens=6",
                "--set", "max_prompt_tokens=1024"));
        for (String s : sets) {
            argv.addAll(List.of("--set", s));
        }
        if (resume) {
            argv.add("--resume");
        }
        JobArgs args = JobArgs.parse(argv.toArray(String[]::new));
        return JobPlan.prepare(args, ConfigLoader.load(null, args.sets()));
    }

    private static String rows(String... ids) {
        StringBuilder s = new StringBuilder();
        for (String id : ids) {
            s.append("{\"id\": \"").append(id).append("\", \"prompt\": \"the prompt of ").append(id).append("\"}\n");
        }
        return s.toString();
    }
}
