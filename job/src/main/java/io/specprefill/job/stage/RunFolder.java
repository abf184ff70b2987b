package io.specprefill.job.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run's output folder: {@code stage1/} and {@code stage2/} (Parquet checkpoints), the
 * predictions, {@code config.yaml} and {@code summary.json}. A checkpoint counts as finished only
 * when its marker {@code _specprefill.json} exists (written after Spark's write returned); the
 * marker records the settings the checkpoint depends on, so {@code --resume} never reuses rows
 * made with other settings.
 */
public final class RunFolder {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String MARKER = "_specprefill.json";

    private final Path root;

    /** The marker's content: the checkpoint's row count and the settings it was made with. */
    record Marker(long rows, Map<String, String> settings) {
    }

    public RunFolder(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path stage1() {
        return root.resolve("stage1");
    }

    public Path stage2() {
        return root.resolve("stage2");
    }

    public Path configFile() {
        return root.resolve("config.yaml");
    }

    public Path summaryFile() {
        return root.resolve("summary.json");
    }

    /** Without --resume the folder must not hold an earlier run: its rows would be overwritten. */
    public void checkFresh() {
        for (Path p : List.of(stage1(), stage2(), summaryFile())) {
            if (Files.exists(p)) {
                throw new IllegalArgumentException("--output " + root + " already holds a run (" + root.relativize(p)
                        + "): pass --resume to continue it, or choose another --output");
            }
        }
    }

    /**
     * True when {@code stage} holds a finished checkpoint made with {@code settings}; false when it has
     * none (or an unfinished one). Throws, naming the differing settings, when it was made with others.
     */
    public boolean finished(Path stage, Map<String, String> settings) {
        Path marker = stage.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        Map<String, String> made;
        try {
            made = JSON.readValue(marker.toFile(), Marker.class).settings();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoint marker " + marker, e);
        }
        List<String> differences = new ArrayList<>();
        for (String key : settings.keySet()) {
            if (!String.valueOf(settings.get(key)).equals(String.valueOf(made.get(key)))) {
                differences.add(key + ": checkpoint " + made.get(key) + ", this run " + settings.get(key));
            }
        }
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("--resume: " + stage + " was made with other settings ("
                    + String.join("; ", differences) + "): drop --resume and use another --output");
        }
        return true;
    }

    /** Marks {@code stage} finished (after its Parquet write returned). */
    public void markFinished(Path stage, Map<String, String> settings, long rows) {
        try {
            JSON.writeValue(stage.resolve(MARKER).toFile(), new Marker(rows, settings));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint marker in " + stage, e);
        }
    }

    public void writeText(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
