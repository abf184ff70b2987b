package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import static io.specprefill.udf.model.SafeTensorsTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelLoaderTest {
    @TempDir
    Path tmp;

    private static final ObjectNode SMALL = TestCheckpoints.config(32, 2, 4, 2, 8, 48, 40, false);

    private static LlamaConfig small() {
        return LlamaConfig.parse(SMALL, "test");
    }

    @Test
    void loadsTiedBf16Draft() {
        Model m = Model.load(TestCheckpoints.golden("tiny-draft"));
        LlamaConfig c = m.config();
        assertEquals(2, c.nLayers());
        assertTrue(c.tiedEmbeddings());
        LlamaWeights w = m.weights();
        assertSame(w.tokenEmbedding, w.lmHead);
        assertEquals(DType.BF16, w.wq[1].dtype());
        assertArrayEquals(new long[]{64, 64}, w.wq[0].shape());   // [H*D, dim] = [4*16, 64]
        assertArrayEquals(new long[]{32, 64}, w.wk[1].shape());   // [G*D, dim] = [2*16, 64]
        assertArrayEquals(new long[]{64, 160}, w.w2[0].shape());  // down [dim, hidden]
        assertArrayEquals(new long[]{160, 64}, w.w3[1].shape());  // up [hidden, dim]
        assertEquals("model.layers.1.mlp.up_proj.weight", w.w3[1].name());
        assertEquals("model.layers.0.mlp.gate_proj.weight", w.w1[0].name());
        assertEquals(DType.bf16ToFloat((short) 0x3f77), w.finalNorm.get(5));
    }

    @Test
    void loadsUntiedF32Target() {
        Model m = Model.load(TestCheckpoints.golden("tiny-target"));
        LlamaWeights w = m.weights();
        assertNotSame(w.tokenEmbedding, w.lmHead);
        assertEquals("lm_head.weight", w.lmHead.name());
        assertEquals(DType.F32, w.lmHead.dtype());
        assertEquals(3, w.attnNorm.length);
        assertArrayEquals(new long[]{96, 96}, w.wo[2].shape());
        assertEquals(Float.intBitsToFloat(0x3b780c8c), w.tokenEmbedding.get(5)); // bytes 8c 0c 78 3b
    }

    @Test
    void loadsShippedNiahPair() {
        Path models = Paths.get("..", "models");
        Model draft = Model.load(models.resolve("niah-draft"));
        Model target = Model.load(models.resolve("niah-target"));
        assertSame(draft.weights().tokenEmbedding, draft.weights().lmHead);
        assertEquals(6, target.weights().wq.length);
        assertArrayEquals(new long[]{256, 256}, target.weights().wq[5].shape());
    }

    @Test
    void shardedAndSingleFileGiveIdenticalTensors() throws IOException {
        Path golden = TestCheckpoints.golden("tiny-target");
        Path sharded = tmp.resolve("sharded");
        Files.createDirectories(sharded);
        Files.copy(golden.resolve("config.json"), sharded.resolve("config.json"));
        SafeTensorsWriter.writeSharded(sharded, TestCheckpoints.readAll(golden.resolve("model.safetensors")), 3);
        assertTrue(Files.exists(sharded.resolve("model-00003-of-00003.safetensors")));
        LlamaWeights a = Model.load(golden).weights();
        LlamaWeights b = Model.load(sharded).weights();
        assertEquals(a.tokenEmbedding.data(), b.tokenEmbedding.data());
        assertEquals(a.lmHead.data(), b.lmHead.data());
        assertEquals(a.finalNorm.data(), b.finalNorm.data());
        HostTensor[][] la = {a.attnNorm, a.wq, a.wk, a.wv, a.wo, a.ffnNorm, a.w1, a.w2, a.w3};
        HostTensor[][] lb = {b.attnNorm, b.wq, b.wk, b.wv, b.wo, b.ffnNorm, b.w1, b.w2, b.w3};
        for (int s = 0; s < la.length; s++) {
            for (int l = 0; l < la[s].length; l++) {
                assertEquals(la[s][l].name(), lb[s][l].name());
                assertEquals(la[s][l].data(), lb[s][l].data(), la[s][l].name());
            }
        }
        Checkpoint ck = Checkpoint.open(sharded);
        assertEquals(sharded.resolve("model-00001-of-00003.safetensors"), ck.fileOf(ModelLoader.EMBEDDING));
    }

    @Test
    void missingShardFileIsNamed() throws IOException {
        Path dir = tmp.resolve("m");
        TestCheckpoints.writeConfig(dir, SMALL);
        SafeTensorsWriter.writeSharded(dir, TestCheckpoints.randomWeights(small(), DType.F32, 1), 2);
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                Checkpoint.INDEX_FILE, "model-00002-of-00002.safetensors", "does not exist");
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Map<String, SafeTensorsWriter.Tensor> w = TestCheckpoints.randomWeights(small(), DType.BF16, 1);
        w.remove("model.layers.1.self_attn.v_proj.weight");
        Path dir = TestCheckpoints.writeModel(tmp.resolve("m"), SMALL, w);
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                dir.resolve("model.safetensors").toString(), "'model.layers.1.self_attn.v_proj.weight'", "missing", "[16, 32]");
    }

    @Test
    void misshapenTensorNamesExpectedAndActual() throws IOException {
        Map<String, SafeTensorsWriter.Tensor> w = TestCheckpoints.randomWeights(small(), DType.F16, 1);
        w.put("model.layers.0.mlp.down_proj.weight", SafeTensorsWriter.Tensor.of(DType.F16, new long[]{48, 32}, new float[48 * 32]));
        Path dir = TestCheckpoints.writeModel(tmp.resolve("m"), SMALL, w);
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                dir.resolve("model.safetensors").toString(), "'model.layers.0.mlp.down_proj.weight'",
                "has shape [48, 32]", "expected [32, 48]", "config.json");
    }

    @Test
    void misshapenTensorInShardNamesTheShard() throws IOException {
        Map<String, SafeTensorsWriter.Tensor> w = TestCheckpoints.randomWeights(small(), DType.F32, 1);
        w.put(ModelLoader.LM_HEAD, SafeTensorsWriter.Tensor.of(DType.F32, new long[]{41, 32}, new float[41 * 32]));
        Path dir = tmp.resolve("m");
        TestCheckpoints.writeConfig(dir, SMALL);
        SafeTensorsWriter.writeSharded(dir, w, 2);
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                "model-00002-of-00002.safetensors", "'lm_head.weight'", "[41, 32]", "[40, 32]");
    }

    @Test
    void headerPastEndOfFileNamesFileAndTensor() throws IOException {
        Path dir = TestCheckpoints.writeModel(tmp.resolve("m"), SMALL, TestCheckpoints.randomWeights(small(), DType.F32, 1));
        Path file = dir.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100); // the last tensor (lm_head) now ends past the end
        }
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                file.toString(), "'lm_head.weight'", "past the end");
    }

    @Test
    void unsupportedDtypeNamesFileAndTensor() throws IOException {
        Map<String, SafeTensorsWriter.Tensor> w = TestCheckpoints.randomWeights(small(), DType.F32, 1);
        w.put(ModelLoader.EMBEDDING, SafeTensorsWriter.Tensor.raw("I64", new long[]{40, 32}, new byte[40 * 32 * 8]));
        Path dir = TestCheckpoints.writeModel(tmp.resolve("m"), SMALL, w);
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                dir.resolve("model.safetensors").toString(), "'model.embed_tokens.weight'", "I64");
    }

    @Test
    void unknownArchitectureNamesConfig() throws IOException {
        ObjectNode cfg = SMALL.deepCopy();
        cfg.putArray("architectures").add("MistralForCausalLM");
        Path dir = TestCheckpoints.writeModel(tmp.resolve("m"), cfg, TestCheckpoints.randomWeights(small(), DType.F32, 1));
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                dir.resolve("config.json").toString(), "MistralForCausalLM");
    }

    @Test
    void untiedWithoutLmHeadIsAnError() throws IOException {
        Map<String, SafeTensorsWriter.Tensor> w = TestCheckpoints.randomWeights(small(), DType.F32, 1);
        w.remove(ModelLoader.LM_HEAD);
        Path dir = TestCheckpoints.writeModel(tmp.resolve("m"), SMALL, w);
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                dir.resolve("model.safetensors").toString(), "'lm_head.weight'", "tie_word_embeddings=false");
    }

    @Test
    void tiedWithStoredLmHeadUsesTheEmbeddingAsHuggingFaceDoes() throws IOException {
        ObjectNode cfg = SMALL.deepCopy().put("tie_word_embeddings", true);
        Map<String, SafeTensorsWriter.Tensor> w = TestCheckpoints.randomWeights(small(), DType.F32, 1); // has lm_head
        Path dir = TestCheckpoints.writeModel(tmp.resolve("m"), cfg, w);
        LlamaWeights lw = Model.load(dir).weights();
        assertSame(lw.tokenEmbedding, lw.lmHead);
    }

    @Test
    void noCheckpointAtAll() throws IOException {
        Path dir = tmp.resolve("m");
        TestCheckpoints.writeConfig(dir, SMALL);
        Files.write(dir.resolve("pytorch_model.bin"), new byte[8]);
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)),
                dir.toString(), "model.safetensors", "pickle");
        assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(tmp.resolve("nope"))), "config.json");
    }

    @Test
    void eachDtypeLoadsWithItsValues() throws IOException {
        for (DType dt : new DType[]{DType.F32, DType.F16, DType.BF16}) {   // F8_E4M3 comes with scales: Fp8LoaderTest
            Map<String, SafeTensorsWriter.Tensor> w = TestCheckpoints.randomWeights(small(), dt, 7);
            Path dir = TestCheckpoints.writeModel(tmp.resolve(dt.name()), SMALL, w);
            LlamaWeights lw = Model.load(dir).weights();
            assertEquals(dt, lw.wv[1].dtype());
            assertArrayEquals(w.get("model.layers.1.self_attn.v_proj.weight").bytes(),
                    TestCheckpoints.raw(lw.wv[1]).bytes(), dt.name());
        }
    }
}
