package io.specprefill.udf.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming checkpoint writer: transformers' shard split and names, the index, headers the
 * reader accepts, and bytes that do not depend on chunk size or thread count.
 */
class CheckpointWriterTest {
    @TempDir
    Path tmp;

    /** Element i of tensor t: a value exact in every dtype (small integers over 8). */
    private static final CheckpointWriter.Source PATTERN = (t, from, count, out) -> {
        for (long i = from; i < from + count; i++) {
            float v = ((t.name().hashCode() + i) % 61 - 30) / 8f;
            switch (t.dtype()) {
                case F32 -> out.putFloat(v);
                case BF16 -> out.putShort(DType.floatToBf16(v));
                case F16 -> out.putShort(DType.floatToF16(v));
            }
        }
    };

    private static float expected(String name, long i) {
        return ((name.hashCode() + i) % 61 - 30) / 8f;
    }

    private static List<CheckpointWriter.Spec> specs() {
        List<CheckpointWriter.Spec> s = new ArrayList<>();
        s.add(new CheckpointWriter.Spec("a.weight", DType.BF16, new long[]{37, 11}));   // 814 bytes
        s.add(new CheckpointWriter.Spec("b.weight", DType.F32, new long[]{5, 7}));      // 140
        s.add(new CheckpointWriter.Spec("c.norm", DType.F16, new long[]{13}));          // 26
        s.add(new CheckpointWriter.Spec("d.weight", DType.BF16, new long[]{3, 101}));   // 606
        return s;
    }

    @Test
    void splitsAsSavePretrainedDoes() {
        List<CheckpointWriter.Shard> shards = CheckpointWriter.plan(specs(), 1000);
        // 814 + 140 + 26 = 980 <= 1000, then 980 + 606 > 1000 starts a new shard: [a, b, c], [d]
        assertEquals(2, shards.size());
        assertEquals(List.of("a.weight", "b.weight", "c.norm"),
                shards.get(0).tensors().stream().map(CheckpointWriter.Spec::name).toList());
        assertEquals(List.of("d.weight"), shards.get(1).tensors().stream().map(CheckpointWriter.Spec::name).toList());
        assertEquals("model-00001-of-00002.safetensors", shards.get(0).file());
        assertEquals("model-00002-of-00002.safetensors", shards.get(1).file());
        // A tensor over the limit gets a shard of its own; one shard is model.safetensors.
        assertEquals(4, CheckpointWriter.plan(specs(), 100).size());
        assertEquals(List.of(Checkpoint.SINGLE_FILE),
                CheckpointWriter.plan(specs(), 1L << 40).stream().map(CheckpointWriter.Shard::file).toList());
    }

    @Test
    void shardedCheckpointReadsBackThroughTheLoader() throws IOException {
        Path dir = tmp.resolve("sharded");
        CheckpointWriter.Written w = CheckpointWriter.write(dir, specs(), PATTERN, 1000, 3, b -> { }, 64);
        assertEquals(3, w.files().size());   // two shards and the index
        assertEquals(814 + 140 + 26 + 606, w.tensorBytes());
        JsonNode index = new ObjectMapper().readTree(dir.resolve(Checkpoint.INDEX_FILE).toFile());
        assertEquals(1586, index.path("metadata").path("total_size").asLong());
        List<String> names = new ArrayList<>();
        index.path("weight_map").fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("a.weight", "b.weight", "c.norm", "d.weight"), names, "weight_map sorted by name");
        assertEquals("model-00002-of-00002.safetensors", index.path("weight_map").path("d.weight").asText());

        Checkpoint ckpt = Checkpoint.open(dir);
        for (CheckpointWriter.Spec s : specs()) {
            HostTensor t = ckpt.get(s.name());
            assertEquals(s.dtype(), t.dtype());
            assertArrayEquals(s.shape(), t.shape());
            for (long i = 0; i < s.numel(); i++) assertEquals(expected(s.name(), i), t.get(i), 0f, s.name() + "[" + i + "]");
        }
        for (Path shard : w.files().subList(0, 2)) {
            ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(shard), 0, 8).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0, head.getLong() % 8, shard + ": header padded to a multiple of 8");
        }
    }

    @Test
    void bytesDoNotDependOnChunksOrThreads() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        CheckpointWriter.write(a, specs(), PATTERN, 1L << 40, 1, x -> { }, 4);
        CheckpointWriter.write(b, specs(), PATTERN, 1L << 40, 4, x -> { }, 1 << 20);
        assertArrayEquals(Files.readAllBytes(a.resolve(Checkpoint.SINGLE_FILE)), Files.readAllBytes(b.resolve(Checkpoint.SINGLE_FILE)));
        assertFalse(Files.exists(a.resolve(Checkpoint.INDEX_FILE)), "one shard: no index, as save_pretrained");
    }

    @Test
    void streamsChunkByChunk() {
        // A 1 MiB tensor in 4 KiB chunks: the source is asked 256 times, never for more than a chunk.
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger largest = new AtomicInteger();
        CheckpointWriter.Source counting = (t, from, count, out) -> {
            calls.incrementAndGet();
            largest.accumulateAndGet(count, Math::max);
            for (int i = 0; i < count; i++) out.putShort((short) 0);
        };
        CheckpointWriter.write(tmp.resolve("big"), List.of(new CheckpointWriter.Spec("w", DType.BF16, new long[]{512, 1024})),
                counting, 1L << 40, 2, x -> { }, 4096);
        assertEquals(256, calls.get());
        assertEquals(2048, largest.get());
    }

    @Test
    void aSourceThatMiscountsFailsNamingTheTensor() {
        CheckpointWriter.Source tooShort = (t, from, count, out) -> out.putShort((short) 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CheckpointWriter.write(tmp.resolve("bad"),
                specs(), tooShort, 1L << 40, 2, x -> { }, 64));
        assertTrue(e.getMessage().contains("a.weight"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CheckpointWriter.plan(List.of(), 10));
    }
}
