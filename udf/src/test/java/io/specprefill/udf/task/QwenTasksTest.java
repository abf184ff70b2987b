package io.specprefill.udf.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.TestCheckpoints;
import io.specprefill.udf.tokenizer.ChatTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.specprefill.udf.task.TaskTestSupport.TOKENIZER;
import static io.specprefill.udf.task.TaskTestSupport.both;
import static io.specprefill.udf.task.TaskTestSupport.prefix;
import static io.specprefill.udf.task.TaskTestSupport.row;
import static io.specprefill.udf.task.TaskTestSupport.stage1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both stages with a Qwen2 draft (q/k/v biases, tied) and a Qwen3 target (q/k norms, head_dim apart
 * from hidden / heads) on the golden tokenizer, the target wrapping prompts in its own chat template
 * from tokenizer_config.json. Random weights: the HF-referenced numbers are QwenGoldenTest's.
 */
class QwenTasksTest {
    @TempDir
    static Path tmp;
    static Path draft;
    static Path target;
    /** A template of the target's own, in the tiny tokenizer's specials (ChatML's shape). */
    static final String TEMPLATE = "{%- for m in messages %}{{ '<|start_header_id|>' + m.role + '\\n' + m.content"
            + " + '<|eot_id|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{ '<|start_header_id|>assistant\\n' }}"
            + "{%- endif %}";

    static Path qwen(Path dir, boolean qwen3) throws IOException {
        ObjectNode cfg = qwen3 ? TestCheckpoints.qwenConfig(true, 48, 2, 4, 2, 24, 96, 3005, false)
                : TestCheckpoints.qwenConfig(false, 32, 2, 4, 2, 8, 64, 3005, true);
        cfg.put("bos_token_id", 3000);
        cfg.putArray("eos_token_id").add(3004).add(3001);
        cfg.put("max_position_embeddings", 2048);
        LlamaConfig c = LlamaConfig.parse(cfg, dir + "/config.json");
        TestCheckpoints.writeModel(dir, cfg, TestCheckpoints.randomWeights(c, DType.BF16, qwen3 ? 31 : 32));
        Files.copy(TestCheckpoints.golden("tokenizer").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        ObjectNode tc = new ObjectMapper().createObjectNode().put("eos_token", "<|eot_id|>").put("chat_template", TEMPLATE);
        tc.putNull("bos_token");
        new ObjectMapper().writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
        return dir;
    }

    @BeforeAll
    static void models() throws IOException {
        draft = qwen(tmp.resolve("qwen2-draft"), false);
        target = qwen(tmp.resolve("qwen3-target"), true);
    }

    private static TestSettings settings() {
        TestSettings t = new TestSettings();
        t.draftDir = draft.toString();
        t.targetDir = target.toString();
        t.chatTemplate = true;
        t.maxNewTokens = 6;
        return t;
    }

    @Test
    void thePairPassesTheDriverCheck() {
        assertDoesNotThrow(() -> ModelPreflight.check(settings().build()));
    }

    @Test
    void keepOneEqualsPlainGenerationOfTheTemplatedPrompt() {
        TestSettings t = settings();
        t.keep = 1.0;
        List<PromptRecord> rows = List.of(row("a", prefix(150)), row("b", prefix(12)));
        List<GenerationResult> out = both(t.build(), rows);
        ChatTemplate own = ChatTemplate.forModel(target);
        LlamaModel model = ModelCache.model(target, Backends.choose("cpu", -1));
        try (Generator g = new Generator(model)) {
            for (GenerationResult r : out) {
                assertNull(r.error(), r.source().id());
                int[] ids = own.encode(TOKENIZER, r.source().prompt());
                assertEquals(3002, ids[0], "the target's own template, no BOS");
                assertEquals(ids.length, r.keptTokens());
                assertArrayEquals(g.generate(Request.greedy(ids, 6)).ids(), r.outputIds(), r.source().id());
            }
        }
    }

    @Test
    void speculativePrefillWithTheQwen2DraftKeepsChunksAndTheAssistantHeader() {
        TestSettings t = settings();
        t.keep = 0.3;
        t.chunkSize = 16;
        t.keepTail = 4;
        ScoredPrompt s = stage1(t.build(), List.of(row("a", prefix(250)))).get(0);
        assertNull(s.error());
        int n = s.promptTokens();
        assertTrue(s.keptTokens() < n && s.draftMs() > 0, "K=" + s.keptTokens() + " of N=" + n);
        int[] ids = ChatTemplate.forModel(target).encode(TOKENIZER, prefix(250));
        assertEquals(ids.length, n);
        assertArrayEquals(java.util.Arrays.copyOfRange(ids, n - 4, n),
                java.util.Arrays.copyOfRange(s.keptIds(), s.keptTokens() - 4, s.keptTokens()));
        GenerationResult r = both(t.build(), List.of(row("a", prefix(250)))).get(0);
        assertNull(r.error());
        assertEquals(s.keptTokens(), r.keptTokens());
        assertTrue(r.outputIds().length >= 1 && r.outputIds().length <= 6);
    }
}
