package io.specprefill.job.make;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.udf.generate.Generation;
import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.Checkpoint;
import io.specprefill.udf.model.CheckpointWriter;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.HostTensor;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * make-model: every named shape is a config the loader accepts with the real model's parameter
 * count; a made directory (sharded, both families) loads through the normal loader and runs a
 * forward pass on the CPU; the weights are a pure function of the seed.
 */
class ModelMakerTest {
    /** The shipped tiny tokenizer (vocabulary 3005), so tests need no download. */
    static final Path NIAH_TOKENIZER = Path.of("..", "models", "niah-target", "tokenizer.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long BIG = CheckpointWriter.DEFAULT_MAX_SHARD_BYTES;
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @TempDir
    Path tmp;

    /** Parameter counts of the published checkpoints (Hugging Face's model cards and safetensors totals). */
    @Test
    void realShapesHaveTheRealModelsParameterCounts() {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("llama-3.2-1b", 1_235_814_400L);
        expected.put("llama-3.2-3b", 3_212_749_824L);
        expected.put("llama-3.1-8b", 8_030_261_248L);
        expected.put("llama-3.1-70b", 70_553_706_496L);
        expected.put("qwen3-0.6b", 596_049_920L);
        expected.put("qwen3-8b", 8_190_735_360L);
        expected.put("qwen3-32b", 32_762_123_264L);
        for (String shape : ModelMaker.shapes()) {
            LlamaConfig c = LlamaConfig.parse(JSON.valueToTree(ModelMaker.configFor(options(shape, null, Map.of()))), shape);
            long params = ModelMaker.tensors(c, DType.BF16).stream().mapToLong(CheckpointWriter.Spec::numel).sum();
            if (expected.containsKey(shape)) assertEquals(expected.get(shape), params, shape);
            assertEquals(shape.startsWith("qwen3") || shape.equals("tiny-qwen3"), c.architecture().qkNorm(), shape);
        }
        LlamaConfig l8 = LlamaConfig.parse(JSON.valueToTree(ModelMaker.configFor(options("llama-3.1-8b", null, Map.of()))), "8b");
        assertEquals(8f, l8.ropeScaling().factor());
        assertArrayEquals(new int[]{128001, 128008, 128009}, l8.eosTokenIds());
        // Shards as the published checkpoints have them at 5 GB: the 8B in 4 files, the 1B in one model.safetensors.
        assertEquals(4, CheckpointWriter.plan(ModelMaker.tensors(l8, DType.BF16), BIG).size());
        LlamaConfig l1 = LlamaConfig.parse(JSON.valueToTree(ModelMaker.configFor(options("llama-3.2-1b", null, Map.of()))), "1b");
        assertEquals(List.of(Checkpoint.SINGLE_FILE), CheckpointWriter.plan(ModelMaker.tensors(l1, DType.BF16), BIG).stream()
                .map(CheckpointWriter.Shard::file).toList());
    }

    @Test
    void shardedLlamaLoadsAndRunsAForwardPass() throws IOException {
        Path dir = tmp.resolve("tiny-llama");
        ModelMaker.Made made = ModelMaker.make(options("tiny-llama", dir, niahSets(), 0, 2, 100_000, false), Path.of("."), QUIET);
        assertTrue(made.shards() > 1, "sharded at 100 kB: " + made.shards());
        for (String f : List.of("config.json", "generation_config.json", "tokenizer.json", Checkpoint.INDEX_FILE,
                ModelMaker.MARKER, String.format("model-00001-of-%05d.safetensors", made.shards()))) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        JsonNode gen = JSON.readTree(dir.resolve("generation_config.json").toFile());
        assertEquals(3004, gen.path("eos_token_id").asInt(), "generation_config follows the overridden eos");
        greedy(dir, 6);
        HostTensor norm = Model.load(dir).weights().finalNorm;
        assertEquals(1f, norm.get(0));
        HostTensor embed = Checkpoint.open(dir).get("model.embed_tokens.weight");
        double sum = 0, sq = 0;
        for (long i = 0; i < embed.numel(); i++) {
            sum += embed.get(i);
            sq += embed.get(i) * embed.get(i);
        }
        double std = Math.sqrt(sq / embed.numel() - Math.pow(sum / embed.numel(), 2));
        assertEquals(0.02, std, 0.001, "uniform weights with std 0.02");
    }

    @Test
    void qwen3WithQkNormsLoadsAndRuns() {
        Path dir = tmp.resolve("tiny-qwen3");
        ModelMaker.make(options("tiny-qwen3", dir, niahSets()), Path.of("."), QUIET);
        assertTrue(Files.isRegularFile(dir.resolve(Checkpoint.SINGLE_FILE)));
        assertTrue(Model.load(dir).config().architecture().qkNorm());
        greedy(dir, 4);
    }

    @Test
    void weightsArePureFunctionsOfTheSeed() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        ModelMaker.make(options("tiny-llama", a, niahSets(), 0, 1, BIG, false), Path.of("."), QUIET);
        ModelMaker.make(options("tiny-llama", b, niahSets(), 0, 3, BIG, false), Path.of("."), QUIET);
        ModelMaker.make(options("tiny-llama", c, niahSets(), 8, 2, BIG, false), Path.of("."), QUIET);
        byte[] wa = Files.readAllBytes(a.resolve(Checkpoint.SINGLE_FILE));
        assertArrayEquals(wa, Files.readAllBytes(b.resolve(Checkpoint.SINGLE_FILE)), "thread count changes nothing");
        assertFalse(java.util.Arrays.equals(wa, Files.readAllBytes(c.resolve(Checkpoint.SINGLE_FILE))), "another seed");
    }

    @Test
    void refusesWhatTheLoaderCouldNotReadOrATokenizerThatDoesNotFit() {
        Path dir = tmp.resolve("x");
        IllegalArgumentException tok = assertThrows(IllegalArgumentException.class, () -> ModelMaker.make(
                options("tiny-llama", dir, Map.of("vocab_size", "1000")), Path.of("."), QUIET));
        assertTrue(tok.getMessage().contains("vocab_size=1000"), tok.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> ModelMaker.tensors(
                LlamaConfig.parse(JSON.valueToTree(ModelMaker.configFor(options("llama-3.1-70b", null, Map.of()))), "70b"),
                DType.F32));
        assertTrue(big.getMessage().contains("2 GiB"), big.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ModelMaker.tokenizerFile(null,
                ModelShapes.get("llama-3.1-8b"), tmp));
        assertTrue(none.getMessage().contains("scripts/fetch-tokenizers.sh"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelShapes.get("llama-9"));
    }

    @Test
    void forceReplacesAnEarlierCheckpoint() throws IOException {
        Path dir = tmp.resolve("again");
        ModelMaker.make(options("tiny-llama", dir, niahSets(), 0, 2, 100_000, false), Path.of("."), QUIET);
        assertThrows(IllegalArgumentException.class, () -> ModelMaker.make(options("tiny-llama", dir, niahSets()),
                Path.of("."), QUIET), "not empty");
        ModelMaker.make(options("tiny-llama", dir, niahSets(), 0, 2, BIG, true), Path.of("."), QUIET);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(Checkpoint.SINGLE_FILE), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".safetensors") || n.endsWith(".index.json")).toList());
        }
        greedy(dir, 2);
    }

    /** Loads dir like any model directory and generates n greedy tokens from a tokenized prompt. */
    static void greedy(Path dir, int n) {
        Model m = Model.load(dir);
        int[] ids = Tokenizer.load(dir).encode("Some special magic numbers are hidden in this text.", true);
        try (LlamaModel model = LlamaModel.upload(new CpuBackend(), m.config(), m.weights());
             Generator gen = new Generator(model)) {
            Generation out = gen.generate(Request.greedy(ids, n));
            assertTrue(out.ids().length >= 1 && out.ids().length <= n, java.util.Arrays.toString(out.ids()));
            for (int id : out.ids()) assertTrue(id >= 0 && id < m.config().vocabSize());
        }
    }

    /** tiny shapes resized for the shipped tokenizer (ids 3000 BOS, 3004 EOS as the niah models have them). */
    static Map<String, String> niahSets() {
        return Map.of("vocab_size", "3005", "bos_token_id", "3000", "eos_token_id", "3004");
    }

    static ModelMaker.Options options(String shape, Path out, Map<String, String> sets) {
        return options(shape, out, sets, 0, 2, BIG, false);
    }

    static ModelMaker.Options options(String shape, Path out, Map<String, String> sets, long seed, int threads,
                                      long maxShard, boolean force) {
        return new ModelMaker.Options(shape, out, DType.BF16, seed, 0.02, NIAH_TOKENIZER, sets, maxShard, threads, force);
    }
}
