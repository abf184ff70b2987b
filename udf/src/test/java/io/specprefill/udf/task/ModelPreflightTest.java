package io.specprefill.udf.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.udf.model.TestCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelPreflightTest {

    private static String fails(TestSettings t) {
        return assertThrows(IllegalArgumentException.class, () -> ModelPreflight.check(t.build())).getMessage();
    }

    @Test
    void theGoldenPairPasses() {
        assertDoesNotThrow(() -> ModelPreflight.check(new TestSettings().build()));
        TestSettings noDraft = new TestSettings();
        noDraft.draftDir = null;
        assertDoesNotThrow(() -> ModelPreflight.check(noDraft.build()));
    }

    @Test
    void aMissingDirectoryNamesIt(@TempDir Path tmp) {
        TestSettings t = new TestSettings();
        t.draftDir = tmp.resolve("nowhere").toString();
        String m = fails(t);
        assertTrue(m.startsWith("draft model " + tmp.resolve("nowhere")), m);
        assertTrue(m.contains("no config.json"), m);
    }

    @Test
    void aMissingTensorNamesTheTensor(@TempDir Path tmp) throws Exception {
        Path dir = TestModels.draft(tmp.resolve("d"), 3005);
        var tensors = TestCheckpoints.readAll(dir.resolve("model.safetensors"));
        tensors.remove("model.layers.1.mlp.up_proj.weight");
        io.specprefill.udf.model.SafeTensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        TestSettings t = new TestSettings();
        t.draftDir = dir.toString();
        String m = fails(t);
        assertTrue(m.startsWith("draft model " + dir), m);
        assertTrue(m.contains("model.layers.1.mlp.up_proj.weight"), m);
    }

    @Test
    void aMissingTokenizerNamesTheFile(@TempDir Path tmp) throws Exception {
        Path dir = TestModels.draft(tmp.resolve("d"), 3005);
        Files.delete(dir.resolve("tokenizer.json"));
        TestSettings t = new TestSettings();
        t.draftDir = dir.toString();
        String m = fails(t);
        assertTrue(m.contains(dir.resolve("tokenizer.json").toString()), m);
    }

    @Test
    void differentVocabulariesNameBothTokenizers(@TempDir Path tmp) throws Exception {
        Path other = TestModels.otherTokenizer(tmp.resolve("other"), "tiny-draft");
        TestSettings t = new TestSettings();
        t.draftDir = other.toString();
        String m = fails(t);
        assertTrue(m.startsWith("draft and target vocabularies differ: " + other.resolve("tokenizer.json")), m);
        assertTrue(m.contains(TestCheckpoints.golden("tiny-target").resolve("tokenizer.json").toString()), m);
    }

    @Test
    void oneVocabularyButAnotherPreTokenizerNamesBothFilesAndThePart(@TempDir Path tmp) throws Exception {
        Path dir = TestModels.draft(tmp.resolve("d"), 3005);
        var json = new ObjectMapper();
        var tok = (ObjectNode) json.readTree(dir.resolve("tokenizer.json").toFile());
        var split = (ObjectNode) tok.get("pre_tokenizer").get("pretokenizers").get(0);
        String llama3 = split.get("pattern").get("Regex").asText();
        ((ObjectNode) split.get("pattern")).put("Regex", llama3.replace("\\p{N}{1,3}", "\\p{N}"));
        json.writeValue(dir.resolve("tokenizer.json").toFile(), tok);
        TestSettings t = new TestSettings();
        t.draftDir = dir.toString();
        String m = fails(t);
        assertTrue(m.startsWith("draft and target tokenizers differ: " + dir.resolve("tokenizer.json") + " vs "
                + TestCheckpoints.golden("tiny-target").resolve("tokenizer.json")), m);
        assertTrue(m.contains("share the vocabulary but not pre_tokenizer, so"), m);
    }

    @Test
    void chatTemplateIsCheckedOnTheTarget(@TempDir Path tmp) throws Exception {
        TestSettings t = new TestSettings();
        t.chatTemplate = true; // the golden target has no tokenizer_config.json: the built-in Llama 3 template
        assertDoesNotThrow(() -> ModelPreflight.check(t.build()));
        Path target = TestModels.draft(tmp.resolve("t"), 3005);
        Files.writeString(target.resolve("tokenizer_config.json"), "{\"chat_template\": \"{% for m in messages %}\"}");
        t.targetDir = target.toString();
        t.draftDir = null;
        String m = fails(t);
        assertTrue(m.startsWith("target model " + target + ": chat_template=true: " + target.resolve("tokenizer_config.json")
                + " chat_template: chat template failed"), m);
    }

    @Test
    void aTokenizerLargerThanTheEmbeddingIsRejected(@TempDir Path tmp) throws Exception {
        Path dir = TestModels.draft(tmp.resolve("d"), 3001);
        TestSettings t = new TestSettings();
        t.draftDir = dir.toString();
        String m = fails(t);
        assertTrue(m.contains("has ids up to 3004 but config.json vocab_size=3001"), m);
    }

    @Test
    void aPromptLimitBeyondTheTargetsPositionsIsRejected() {
        TestSettings t = new TestSettings();
        t.maxPromptTokens = 2041;
        assertTrue(fails(t).startsWith("task settings: max_prompt_tokens=2041 plus max_new_tokens=8 exceeds the"
                + " target's max_position_embeddings=2048"));
    }

    @Test
    void settingsRecordsCheckTheirValuesWhenBuiltNamingTheKey() {
        TestSettings t = new TestSettings();
        t.poolKernel = 12;
        assertEquals("pool_kernel=12 must be odd and >= 1",
                assertThrows(IllegalArgumentException.class, t::build).getMessage());
        t = new TestSettings();
        t.maxPromptTokens = 1;
        assertEquals("max_prompt_tokens=1 must be 0 (the target's limit) or >= 2",
                assertThrows(IllegalArgumentException.class, t::build).getMessage());
        t = new TestSettings();
        t.targetBatchSize = 0;
        assertEquals("target_batch_size=0 must be >= 1", assertThrows(IllegalArgumentException.class, t::build).getMessage());
    }

    @Test
    void keepOneMeansNoDraft() {
        TestSettings t = new TestSettings();
        t.keep = 1.0;
        assertTrue(t.build().speculationOff());
        assertNull(t.build().draftDir());
        assertFalse(new TestSettings().build().speculationOff());
    }
}
