package io.specprefill.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.udf.generate.GenerationParams;
import io.specprefill.udf.prefill.PrefillParams;
import io.specprefill.udf.task.BatchSizes;
import io.specprefill.udf.task.PromptParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {
    @TempDir
    Path tmp;

    private static final Path CONFIGS = Path.of("..", "configs");

    @Test
    void defaultsAreTheDocumentedOnes() {
        JobConfig c = JobConfig.defaults();
        assertEquals(new PrefillParams(0.3, 32, 13, 8, 32), c.prefill(), "keep_tail defaults to chunk_size");
        assertEquals(new GenerationParams(64, 0.0, 1.0, 227L, List.of()), c.generation());
        assertEquals(new PromptParams(false, 0, false), c.prompts());
        assertEquals(new BatchSizes(4, 4), c.batches());
        assertEquals("auto", c.backend());
        assertNull(c.promptTemplate());
    }

    @Test
    void shippedConfigsLoad() {
        for (int p : new int[] {10, 30, 50, 70, 90}) {
            JobConfig c = ConfigLoader.load(CONFIGS.resolve("p" + p + "-lah8.yaml"), List.of());
            assertEquals(p / 100.0, c.prefill().keep(), 1e-12, "p" + p);
            assertEquals(8, c.prefill().lookahead());
            assertEquals(32, c.prefill().chunkSize());
        }
        assertEquals(1.0, ConfigLoader.load(CONFIGS.resolve("baseline.yaml"), List.of()).prefill().keep());
    }

    @Test
    void keepTailFollowsChunkSizeUnlessGiven() {
        assertEquals(64, parse("chunk_size: 64").prefill().keepTail());
        assertEquals(5, parse("chunk_size: 64\nkeep_tail: 5").prefill().keepTail());
        assertEquals(64, ConfigLoader.parse("keep: 0.1", "x.yaml", List.of("chunk_size=64")).prefill().keepTail());
    }

    @Test
    void unknownKeyNamesTheKeyAndTheFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("bad.yaml"), "keep: 0.1\nkep: 0.2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load(file, List.of()));
        assertTrue(e.getMessage().startsWith(file + ": unknown key 'kep'"), e.getMessage());
        assertTrue(e.getMessage().contains("keep, chunk_size"), "lists the known keys: " + e.getMessage());
    }

    @Test
    void badValuesNameTheKeyTheValueAndTheFile() {
        assertMessage("keep: 1.5", "cfg.yaml: keep=1.5 must be in (0, 1]");
        assertMessage("keep: 0", "cfg.yaml: keep=0.0 must be in (0, 1]");
        assertMessage("pool_kernel: 12", "cfg.yaml: pool_kernel=12 must be odd and >= 1");
        assertMessage("backend: tpu", "cfg.yaml: backend=tpu must be one of [cpu, cuda, auto]");
        assertMessage("top_p: 0", "cfg.yaml: top_p=0.0 must be in (0, 1]");
        assertMessage("stop_strings: ['']", "cfg.yaml: stop_strings=[\"\"] must be non-empty strings");
        assertMessage("keep: lots", "cfg.yaml: keep=\"lots\" must be a number");
        assertMessage("chunk_size: 3.5", "cfg.yaml: chunk_size=3.5 must be a whole number");
        assertMessage("chat_template: [1]", "cfg.yaml: chat_template=[1] must be a boolean (true or false)");
        assertMessage("- keep: 1", "cfg.yaml: expected a mapping of keys to values, got a array");
        assertMessage("keep: 0.1\nkeep: 0.2", "cfg.yaml: ");
    }

    @Test
    void setOverridesUseTheYamlNamesAndAreBlamedForTheirErrors() {
        JobConfig c = ConfigLoader.parse("keep: 0.1", "cfg.yaml",
                List.of("keep=0.5", "stop_strings=[\"\\n\"]", "prompt_template={context} Q: {input}", "chat_template=true"));
        assertEquals(0.5, c.prefill().keep());
        assertEquals(List.of("\n"), c.generation().stopStrings());
        assertEquals("{context} Q: {input}", c.promptTemplate());
        assertTrue(c.prompts().chatTemplate());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.parse("keep: 0.1", "cfg.yaml", List.of("lookahead=0")));
        assertEquals("--set lookahead=0: lookahead=0 must be >= 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.parse("", "cfg.yaml", List.of("lookahed=4")));
        assertTrue(e.getMessage().startsWith("--set lookahed=4: unknown key 'lookahed'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.parse("", "cfg.yaml", List.of("keep")));
        assertEquals("--set keep: expected key=value", e.getMessage());
    }

    @Test
    void resolvedYamlReadsBackToTheSameConfig() {
        JobConfig c = ConfigLoader.parse("keep: 0.1\nstop_strings: [\"\\n\"]\nprompt_template: '{context}'",
                "cfg.yaml", List.of("seed=7"));
        String yaml = ConfigLoader.toYaml(c);
        assertEquals(c, ConfigLoader.parse(yaml, "resolved", List.of()));
        assertTrue(yaml.contains("keep_tail: 32"), yaml);
    }

    @Test
    void everyKeyHasADocLine() {
        String table = ConfigLoader.describe();
        for (String key : ConfigLoader.KEYS.keySet()) {
            assertTrue(table.contains("  " + key + " "), key + " missing from\n" + table);
        }
        assertEquals(JobConfig.defaults().keys().keySet(), ConfigLoader.KEYS.keySet(), "the keys read are the keys written");
    }

    @Test
    void docsTableListsEveryKeyWithItsDoc() throws IOException {
        String docs = Files.readString(Path.of("..", "docs", "job.md"));
        ConfigLoader.KEYS.forEach((key, doc) -> assertTrue(docs.contains("| `" + key + "` |") && docs.contains(doc),
                "docs/job.md lacks the row of " + key + ": " + doc));
    }

    private static JobConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "cfg.yaml", List.of());
    }

    private static void assertMessage(String yaml, String expectedStart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(yaml));
        assertTrue(e.getMessage().startsWith(expectedStart), "for '" + yaml + "': " + e.getMessage());
    }
}
