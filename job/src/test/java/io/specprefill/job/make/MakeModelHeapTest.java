package io.specprefill.job.make;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.udf.model.Checkpoint;
import io.specprefill.udf.model.HostTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * make-model streams: a checkpoint whose embedding alone (134 MB) is four times the heap is written
 * by {@code specprefill make-model} in a JVM with {@code -Xmx32m}, and reads back.
 */
class MakeModelHeapTest {
    @TempDir
    Path tmp;

    @Test
    void writesTensorsLargerThanTheHeap() throws IOException, InterruptedException {
        Path out = tmp.resolve("wide");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
                "io.specprefill.job.cli.Cli", "make-model", "--shape", "tiny-llama", "--out", out.toString(),
                "--tokenizer", ModelMakerTest.NIAH_TOKENIZER.toString(), "--threads", "2",
                "--set", "vocab_size=65536", "--set", "bos_token_id=3000", "--set", "eos_token_id=3004",
                "--set", "hidden_size=1024", "--set", "num_attention_heads=16", "--set", "num_key_value_heads=4",
                "--set", "head_dim=64", "--set", "num_hidden_layers=1", "--set", "intermediate_size=256");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "make-model did not finish:\n" + log);
        assertEquals(0, p.exitValue(), log);
        HostTensor embed = Checkpoint.open(out).get("model.embed_tokens.weight");
        assertEquals(65536L * 1024 * 2, embed.data().remaining(), "a 134 MB tensor from a 32 MB heap");
        assertTrue(log.contains("make-model: wrote"), log);
    }
}
