package io.specprefill.job.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/specprefill with SPECPREFILL_CDS=on (after {@code package}: the launcher needs the build's jar
 * and classpath.txt): the first run writes one class-data archive, the next maps it (its classes
 * come from the "shared objects file"), and both print the same thing.
 */
class LauncherCdsIT {
    private static final Path REPO = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

    @TempDir
    Path work;
    private Path cache;

    private record Run(int exit, String out, String err) {
    }

    private Run launch(String javaOpts, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "out", ".txt"), err = Files.createTempFile(work, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(REPO.resolve("bin/specprefill").toString()),
                Stream.of(args)).toList()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("SPECPREFILL_CDS", "on");
        pb.environment().put("SPECPREFILL_CDS_DIR", cache.toString());
        if (javaOpts != null) pb.environment().put("SPECPREFILL_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bin/specprefill did not finish in 120 s");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private List<Path> archives() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.toList();
        }
    }

    @Test
    void theFirstRunWritesTheArchiveAndTheNextMapsIt() throws Exception {
        cache = work.resolve("cds");   // the launcher makes it
        Run first = launch(null, "--help");
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().contains("writing a class-data archive"), first.err());
        List<Path> written = archives();
        assertEquals(1, written.size(), "one archive, no temporary file left: " + written);
        assertTrue(written.get(0).getFileName().toString().matches("cds-\\d+\\.jsa"), written.toString());
        long size = Files.size(written.get(0));
        assertTrue(size > 0);

        // -Xlog:class+load names where each class came from: the archive's are "shared objects file (top)".
        Run second = launch("-Xmx1g -Xlog:class+load=info:file=" + work.resolve("classes.log"), "--help");
        assertEquals(0, second.exit(), second.err());
        assertEquals(first.out(), second.out());
        assertTrue(second.err().isEmpty(), "nothing more on stderr: " + second.err());
        assertEquals(List.of(written.get(0)), archives(), "the archive is reused, not written again");
        String classes = Files.readString(work.resolve("classes.log"), StandardCharsets.UTF_8);
        assertTrue(classes.contains("io.specprefill.job.cli.Cli source: shared objects file (top)"),
                "Cli was not loaded from the archive");
    }
}
