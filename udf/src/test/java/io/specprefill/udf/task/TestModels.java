package io.specprefill.udf.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.TestCheckpoints;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Model directories made for the task tests, next to the golden tokenizer. */
final class TestModels {
    private TestModels() {
    }

    /** A random tiny draft with the golden tokenizer.json, of {@code vocab} embedding rows. */
    static Path draft(Path dir, int vocab) throws IOException {
        ObjectNode cfg = TestCheckpoints.config(32, 2, 4, 2, 8, 64, vocab, true);
        cfg.put("bos_token_id", 3000);
        cfg.put("eos_token_id", 3004);
        cfg.put("max_position_embeddings", 2048);
        LlamaConfig c = LlamaConfig.parse(cfg, dir + "/config.json");
        TestCheckpoints.writeModel(dir, cfg, TestCheckpoints.randomWeights(c, DType.F32, 5));
        Files.copy(TestCheckpoints.golden("tokenizer").resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    /** A copy of a golden model directory whose tokenizer.json renames one special token. */
    static Path otherTokenizer(Path dir, String golden) throws IOException {
        Path src = TestCheckpoints.golden(golden);
        Files.createDirectories(dir);
        for (String f : new String[]{"config.json", "model.safetensors"}) {
            Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode tok = (ObjectNode) json.readTree(src.resolve("tokenizer.json").toFile());
        for (var t : tok.withArray("added_tokens")) {
            if (t.path("content").asText().equals("<|eot_id|>")) ((ObjectNode) t).put("content", "<|end|>");
        }
        json.writeValue(dir.resolve("tokenizer.json").toFile(), tok);
        return dir;
    }
}
