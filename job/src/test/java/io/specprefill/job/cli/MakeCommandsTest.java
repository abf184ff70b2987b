package io.specprefill.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.config.Flags.UsageException;
import io.specprefill.udf.model.DType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** make-model and make-batch on the command line: flags, sizes, and errors that name the flag. */
class MakeCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void shardSizesReadAsTransformersReadsThem() {
        assertEquals(5_000_000_000L, MakeModelCommand.size("5GB"));
        assertEquals(500_000_000L, MakeModelCommand.size("500MB"));
        assertEquals(2L << 30, MakeModelCommand.size("2GiB"));
        assertEquals(12345, MakeModelCommand.size("12345"));
        assertThrows(UsageException.class, () -> MakeModelCommand.size("big"));
    }

    @Test
    void makeModelFlags() {
        var o = MakeModelCommand.parse(new String[]{"--shape", "qwen3-8b", "--out", "x", "--dtype", "f16", "--seed", "7",
            "--set", "num_hidden_layers=2", "--max-shard-size", "1GB", "--threads", "3"});
        assertEquals(DType.F16, o.dtype());
        assertEquals(7, o.seed());
        assertEquals("2", o.sets().get("num_hidden_layers"));
        assertEquals(1_000_000_000L, o.maxShardBytes());
        assertEquals(3, o.threads());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MakeModelCommand.COMMAND.prepare().prepare(new String[]{"--shape", "llama-9b", "--out", "x"}));
        assertTrue(e.getMessage().contains("llama-3.1-8b"), "lists the known shapes: " + e.getMessage());
        assertThrows(UsageException.class, () -> MakeModelCommand.parse(new String[]{"--shape", "qwen3-8b"}));
        assertThrows(UsageException.class, () -> MakeModelCommand.parse(new String[]{"--shape", "qwen3-8b", "--out", "x",
            "--dtype", "int8"}));
    }

    @Test
    void makeModelRunsFromTheCli() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path dir = tmp.resolve("m");
        int status = Cli.call(new String[]{"make-model", "--shape", "tiny-llama", "--out", dir.toString(), "--tokenizer",
            Path.of("..", "models", "niah-target").toString(), "--set", "vocab_size=3005", "--set", "bos_token_id=3000",
            "--set", "eos_token_id=3004"}, new PrintStream(out), new PrintStream(err));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("make-model: wrote " + dir), out.toString());
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
        int again = Cli.call(new String[]{"make-model", "--shape", "tiny-llama", "--out", dir.toString()},
                new PrintStream(out), new PrintStream(err));
        assertEquals(2, again, "not empty, and no tokenizer for the shape: a usage-level error");
    }

    @Test
    void makeBatchFlags() {
        var p = MakeBatchCommand.parse(new String[]{"--data", "d", "--tokenizer", "t", "--out", "o", "--count", "8",
            "--min-tokens", "100", "--max-tokens", "200"});
        assertEquals(8, p.options().count());
        assertEquals(Path.of("t"), p.tokenizer());
        assertThrows(UsageException.class, () -> MakeBatchCommand.parse(new String[]{"--data", "d", "--tokenizer", "t",
            "--out", "o", "--min-tokens", "300", "--max-tokens", "200"}));
        assertThrows(UsageException.class, () -> MakeBatchCommand.parse(new String[]{"--data", "d"}));
    }
}
