package io.specprefill.job.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A run's output folder: {@code stage1/} and {@code stage2/} (Parquet checkpoints), the
 * predictions, {@code config.yaml} and {@code summary.json}. A checkpoint counts as finished only
 * when its marker {@code _specprefill.json} exists (written after Spark's write returned); the
 * marker records what the checkpoint depends on (the settings, and the {@link Fingerprint} of every
 * input and model file it read), so {@code --resume} never reuses rows made from other data or with
 * other settings.
 */
public final class RunFolder {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String MARKER = "_specprefill.json";

    private final Path root;

    /**
     * The marker's content: the checkpoint's row count, the settings and file fingerprints it was made
     * with, and the files' modification times (shown, not compared).
     */
    record Marker(long rows, Map<String, String> settings, Map<String, String> modified) {
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
        checkFolder();
        for (Path p : List.of(stage1(), stage2(), summaryFile())) {
            if (Files.exists(p)) {
                throw new IllegalArgumentException("--output " + root + " already holds a run (" + root.relativize(p)
                        + "): pass --resume to continue it, or choose another --output");
            }
        }
    }

    /** The output must be a folder, or not exist yet (it is created then). */
    public void checkFolder() {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IllegalArgumentException("--output " + root + " is a file; give a folder for the run's output"
                    + " (it is created when missing)");
        }
    }

    /** {@link #finished(Path, Map, Map)} without modification times to show. */
    public boolean finished(Path stage, Map<String, String> settings) {
        return finished(stage, settings, Map.of());
    }

    /**
     * True when {@code stage} holds a finished checkpoint made with {@code settings}; false when it has
     * none (or an unfinished one). Throws, naming every entry that differs and how to start fresh, when
     * it was made with others (another input file content, model file, or setting).
     *
     * @param modified this run's files' modification times, by entry, for the message
     */
    public boolean finished(Path stage, Map<String, String> settings, Map<String, String> modified) {
        Path marker = stage.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        Marker made;
        try {
            made = JSON.readValue(marker.toFile(), Marker.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("--resume: cannot read the checkpoint marker " + marker + ": "
                    + e.getMessage() + "; " + startFresh(), e);
        }
        Map<String, String> was = made.settings() == null ? Map.of() : made.settings();
        Map<String, String> wasModified = made.modified() == null ? Map.of() : made.modified();
        Set<String> keys = new LinkedHashSet<>(settings.keySet());
        keys.addAll(was.keySet());
        List<String> differences = new ArrayList<>();
        for (String key : keys) {
            if (!Objects.equals(settings.get(key), was.get(key))) {
                differences.add(key + ": checkpoint " + describe(was.get(key), wasModified.get(key)) + ", this run "
                        + describe(settings.get(key), modified.get(key)));
            }
        }
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("--resume: " + stage + " was made from other inputs or settings ("
                    + String.join("; ", differences) + "); " + startFresh());
        }
        return true;
    }

    private String startFresh() {
        return "to start fresh, delete " + root + " or choose another --output, and run without --resume";
    }

    private static String describe(String value, String modified) {
        if (value == null) return "none";
        return modified == null ? value : value + " (modified " + modified + ")";
    }

    /** {@link #markFinished(Path, Map, Map, long)} without modification times. */
    public void markFinished(Path stage, Map<String, String> settings, long rows) {
        markFinished(stage, settings, Map.of(), rows);
    }

    /** Marks {@code stage} finished (after its Parquet write returned). */
    public void markFinished(Path stage, Map<String, String> settings, Map<String, String> modified, long rows) {
        try {
            JSON.writeValue(stage.resolve(MARKER).toFile(), new Marker(rows, settings, modified));
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
