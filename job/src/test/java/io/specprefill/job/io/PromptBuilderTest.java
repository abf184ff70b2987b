package io.specprefill.job.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobConfig;
import io.specprefill.job.eval.SharedData;
import io.specprefill.udf.task.PromptRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptBuilderTest {
    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final PromptBuilder plain = new PromptBuilder(Map.of(), null, Map.of());

    @Test
    void aPromptRowIsUsedAsItIs() throws Exception {
        PromptRecord r = build(plain, "{\"id\": 7, \"prompt\": \"Hello\", \"answers\": \"42\", \"max_new_tokens\": 5}", 3);
        assertEquals("7", r.id());
        assertEquals("Hello", r.prompt());
        assertEquals(List.of("42"), r.answers(), "a single answer becomes a list");
        assertEquals(5, r.maxNewTokens());
        assertEquals(-1, r.length());
        assertNull(r.error());
    }

    @Test
    void longBenchRowsUseTheirDatasetTemplate() throws Exception {
        Files.writeString(tmp.resolve("dataset2prompt.json"),
                "{\"qa\": \"Read {context}\\n\\nQuestion: {input}\\nAnswer:\", \"code\": \"{{code}} {context}\"}");
        Files.writeString(tmp.resolve("dataset2maxlen.json"), "{\"qa\": 32}");
        JobConfig cfg = ConfigLoader.parse("", "c", List.of("prompt_template=" + tmp, "dataset_max_new_tokens=" + tmp));
        PromptBuilder b = PromptBuilder.fromConfig(cfg);
        PromptRecord r = build(b, "{\"_id\": \"abc\", \"dataset\": \"qa\", \"input\": \"Who?\", \"context\": \"Ann wrote.\","
                + " \"answers\": [\"Ann\"], \"all_classes\": null, \"length\": 3}", 0);
        assertEquals("abc", r.id());
        assertEquals("Read Ann wrote.\n\nQuestion: Who?\nAnswer:", r.prompt());
        assertEquals(32, r.maxNewTokens(), "dataset2maxlen.json");
        assertEquals(3, r.length());
        assertEquals(List.of(), r.allClasses());
        assertEquals("{code} x", build(b, "{\"dataset\": \"code\", \"context\": \"x\"}", 1).prompt());
        PromptRecord unknown = build(b, "{\"dataset\": \"other\", \"context\": \"x\", \"input\": \"y\"}", 2);
        assertNull(unknown.prompt());
        assertEquals("input row 2 (id row-2): no 'prompt' field, and prompt_template gives no template for dataset 'other'",
                unknown.error());
    }

    @Test
    void anInlineTemplateServesEveryRow() throws Exception {
        PromptBuilder b = PromptBuilder.fromConfig(ConfigLoader.parse("prompt_template: 'C: {context} Q: {input}'", "c", List.of()));
        assertEquals("C: a Q: b", build(b, "{\"context\": \"a\", \"input\": \"b\"}", 0).prompt());
        assertEquals("input row 0 (id row-0): the template needs field 'input', which the row lacks",
                build(b, "{\"context\": \"a\"}", 0).error());
    }

    @Test
    void unusableRowsGetErrorsNotExceptions() throws Exception {
        assertEquals("input row 4 (id x): empty prompt", build(plain, "{\"id\": \"x\", \"prompt\": \"\"}", 4).error());
        assertEquals("input row 0 (id row-0): no 'prompt' field (nor LongBench's 'context' and 'input')",
                build(plain, "{\"text\": \"hi\"}", 0).error());
        assertEquals("input row 1 (id y): field 'prompt' is a list, expected text",
                build(plain, "{\"id\": \"y\", \"prompt\": [1]}", 1).error());
        assertEquals("input row 2 (id z): field 'max_new_tokens' is '1.5', expected a whole number",
                build(plain, "{\"id\": \"z\", \"prompt\": \"p\", \"max_new_tokens\": 1.5}", 2).error());
        assertEquals("input row 9 (id row-9): line 10 is not a JSON object",
                PromptBuilder.unreadable(9, "line 10 is not a JSON object").error());
    }

    @Test
    void outOfRangeRowFieldsAreErrorsNamingTheField() throws Exception {
        assertEquals("input row 0 (id a): field 'max_new_tokens' is -5, expected a whole number >= 1",
                build(plain, "{\"id\": \"a\", \"prompt\": \"p\", \"max_new_tokens\": -5}", 0).error());
        assertEquals("input row 1 (id b): field 'max_new_tokens' is 0, expected a whole number >= 1",
                build(plain, "{\"id\": \"b\", \"prompt\": \"p\", \"max_new_tokens\": 0}", 1).error());
        assertEquals("input row 2 (id c): field 'max_new_tokens' is 'abc', expected a whole number",
                build(plain, "{\"id\": \"c\", \"prompt\": \"p\", \"max_new_tokens\": \"abc\"}", 2).error());
        assertEquals("input row 3 (id d): field 'length' is -2, expected a whole number >= 0",
                build(plain, "{\"id\": \"d\", \"prompt\": \"p\", \"length\": -2}", 3).error());
        assertEquals(1, build(plain, "{\"id\": \"e\", \"prompt\": \"p\", \"max_new_tokens\": \"1\"}", 4).maxNewTokens());
        Files.writeString(tmp.resolve("dataset2maxlen.json"), "{\"qa\": 32, \"sum\": 0}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptBuilder.fromConfig(
                ConfigLoader.parse("", "c", List.of("dataset_max_new_tokens=" + tmp))));
        assertEquals("dataset_max_new_tokens=" + tmp + ": dataset 'sum' has 0, expected a whole number >= 1", e.getMessage());
    }

    @Test
    void badTemplatesFailOnTheDriverNamingTheKey() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptBuilder.fromConfig(
                ConfigLoader.parse("prompt_template: '{context'", "c", List.of())));
        assertTrue(e.getMessage().startsWith("prompt_template: template has an unclosed '{'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PromptBuilder.fromConfig(
                ConfigLoader.parse("prompt_template: " + tmp.resolve("missing"), "c", List.of())));
        assertTrue(e.getMessage().startsWith("prompt_template=" + tmp.resolve("missing") + ": no such file"), e.getMessage());
    }

    @Test
    void longBenchOfficialTemplatesFormatRealRows() throws Exception {
        java.util.Optional<Path> found = SharedData.resolve("longbench/config");
        org.junit.jupiter.api.Assumptions.assumeTrue(found.isPresent(), SharedData.missing("longbench/config"));
        Path config = found.get();
        PromptBuilder b = PromptBuilder.fromConfig(ConfigLoader.parse("", "c", List.of("prompt_template=" + config)));
        String line = Files.readAllLines(config.getParent().resolve("longbench_en_longctx_shortans.jsonl")).get(0);
        PromptRecord r = build(b, line, 0);
        assertNull(r.error());
        Map<?, ?> row = JSON.readValue(line, Map.class);
        assertTrue(r.prompt().contains((String) row.get("context")));
        assertTrue(r.prompt().endsWith("Question: " + row.get("input") + "\nAnswer:"), r.prompt());
    }

    private static PromptRecord build(PromptBuilder b, String json, long index) throws Exception {
        return b.build(InputFields.of(JSON.readTree(json)), index);
    }
}
