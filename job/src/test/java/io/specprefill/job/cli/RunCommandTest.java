package io.specprefill.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.GoldenModels;
import io.specprefill.job.stage.RunFolder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code specprefill run}'s user errors, as a user sees them: one line "specprefill: run: what and
 * where" on stderr, exit status 2, found before Spark starts and before anything is written.
 */
class RunCommandTest {
    /** The system properties RunCommand sets for an in-process session, restored after each test. */
    private static final List<String> PROPERTIES = List.of("spark.master", "spark.ui.showConsoleProgress",
            "log4j2.configurationFile");
    private final Map<String, String> saved = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path tmp;
    private Path input;

    @BeforeEach
    void save() throws Exception {
        PROPERTIES.forEach(p -> saved.put(p, System.getProperty(p)));
        input = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\": \"a\", \"prompt\": \"hello\"}\n");
    }

    @AfterEach
    void restore() {
        saved.forEach((p, v) -> {
            if (v == null) System.clearProperty(p);
            else System.setProperty(p, v);
        });
    }

    private int run(Path in, Path output, String... more) throws Exception {
        List<String> argv = new ArrayList<>(List.of("run", "--input", in.toString(), "--draft", "none", "--target",
                GoldenModels.dir("tiny-target").toString(), "--output", output.toString(), "--set", "keep=1.0",
                "--set", "max_prompt_tokens=1024"));
        argv.addAll(List.of(more));
        return Cli.call(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** The one line of a user error, checked for its form. */
    private String userError(int status) {
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, text);
        assertEquals(1, text.strip().lines().count(), "one line, no stack trace: " + text);
        assertTrue(text.startsWith("specprefill: run: "), text);
        return text.strip();
    }

    @Test
    void anInputWithAnUnknownExtensionFailsBeforeAnythingIsWritten() throws Exception {
        Path txt = Files.writeString(tmp.resolve("prompts.txt"), "hello\n");
        Path output = tmp.resolve("never");
        String line = userError(run(txt, output));
        assertTrue(line.contains("--input " + txt + ": cannot tell the format"), line);
        assertFalse(Files.exists(output), "no half-made output folder");
    }

    @Test
    void anOutputThatIsAFileIsAUserError() throws Exception {
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        String line = userError(run(input, file));
        assertTrue(line.contains("--output " + file + " is a file"), line);
    }

    @Test
    void aResumeWithOtherSettingsIsAUserError() throws Exception {
        Path output = tmp.resolve("run");
        RunFolder folder = new RunFolder(output);
        Files.createDirectories(folder.stage1());
        folder.markFinished(folder.stage1(), Map.of("keep", "0.5"), 1);
        String line = userError(run(input, output, "--resume"));
        assertTrue(line.contains("--resume: " + folder.stage1() + " was made from other inputs or settings ("), line);
        assertTrue(line.contains("keep: checkpoint 0.5, this run 1.0"), line);
        assertTrue(line.endsWith("to start fresh, delete " + folder.root() + " or choose another --output, and run"
                + " without --resume"), line);
        assertFalse(Files.exists(folder.configFile()), "nothing written");
    }

    @Test
    void anOutputHoldingARunWithoutResumeIsAUserError() throws Exception {
        Path output = tmp.resolve("run");
        Files.createDirectories(new RunFolder(output).stage1());
        String line = userError(run(input, output));
        assertTrue(line.contains("already holds a run (stage1): pass --resume"), line);
    }
}
