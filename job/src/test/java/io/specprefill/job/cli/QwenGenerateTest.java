package io.specprefill.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.TestCheckpoints;
import io.specprefill.udf.tokenizer.ChatTemplate;
import io.specprefill.udf.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code generate --chat} on a tiny random Qwen3 directory with its own chat template in tokenizer_config.json. */
class QwenGenerateTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void chatUsesTheModelsOwnTemplate(@TempDir Path dir) throws Exception {
        ObjectNode cfg = TestCheckpoints.qwenConfig(true, 32, 2, 4, 2, 16, 64, 3005, true);
        cfg.put("max_position_embeddings", 1024);
        TestCheckpoints.writeModel(dir, cfg, TestCheckpoints.randomWeights(LlamaConfig.parse(cfg, "c"), DType.BF16, 4));
        // the golden tokenizer from udf's sources (the udf test-jar's resources are no files)
        Files.copy(Path.of("..", "udf", "src", "test", "resources", "hf-golden", "tokenizer", "tokenizer.json"),
                dir.resolve("tokenizer.json"));
        String template = "{{ '<|start_header_id|>' + messages[0].content.strip() + '<|eot_id|>' }}"
                + "{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";
        new ObjectMapper().writeValue(dir.resolve("tokenizer_config.json").toFile(),
                new ObjectMapper().createObjectNode().put("chat_template", template));
        int rc = GenerateCommand.COMMAND.call(new String[]{"--model", dir.toString(), "--prompt", " Hello world ", "--chat",
                "--max-new-tokens", "3", "--backend", "cpu", "--json"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        int expected = Tokenizer.load(dir).encode("<|start_header_id|>Hello world<|eot_id|>assistant:", false).length;
        assertEquals(expected, json.get("prompt_tokens").asInt());
        assertEquals(expected, ChatTemplate.forModel(dir).encode(Tokenizer.load(dir), " Hello world ").length);
        assertTrue(json.get("ids").size() >= 1);
    }
}
