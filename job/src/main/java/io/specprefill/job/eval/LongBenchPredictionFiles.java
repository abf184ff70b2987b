package io.specprefill.job.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.eval.LongBenchScorer.Prediction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads a folder of LongBench prediction files, grouped by dataset. Accepted rows:
 * <ul>
 *   <li>LongBench's own {@code <dataset>.jsonl} lines {@code {"pred", "answers", "all_classes", "length"}};</li>
 *   <li>the job's JSONL output ({@code output_text} instead of {@code pred}; a {@code dataset}
 *       column names the dataset, so one file may hold several), including Spark's
 *       {@code part-*.json} files.</li>
 * </ul>
 * A row's dataset is its {@code dataset} field when present, else the file name before the first dot.
 * A file whose name is no LongBench dataset and whose rows name none (e.g. the job's
 * {@code predictions.jsonl} of rows without a dataset) is skipped with a warning.
 */
public final class LongBenchPredictionFiles {
    private LongBenchPredictionFiles() {
    }

    /** dataset -> rows in file order; datasets in LongBench's order. Warnings go to {@code warn}. */
    public static Map<String, List<Prediction>> read(Path dir, Consumer<String> warn) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--pred-dir " + dir + " is not a directory");
        }
        Map<String, List<Prediction>> byDataset = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(LongBenchPredictionFiles::isPredictionFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(dir + " has no *.jsonl (or Spark part-*.json) prediction files");
        }
        ObjectMapper json = new ObjectMapper();
        for (Path f : files) {
            readFile(json, f, byDataset, warn);
        }
        if (byDataset.isEmpty()) {
            throw new IllegalArgumentException(dir + " has no rows of a LongBench dataset");
        }
        Map<String, List<Prediction>> ordered = new LinkedHashMap<>();
        for (LongBenchDatasets.Dataset d : LongBenchDatasets.all()) {
            if (byDataset.containsKey(d.name())) {
                ordered.put(d.name(), byDataset.get(d.name()));
            }
        }
        return ordered;
    }

    private static boolean isPredictionFile(Path p) {
        String name = p.getFileName().toString();
        return Files.isRegularFile(p) && (name.endsWith(".jsonl") || (name.startsWith("part-") && name.endsWith(".json")));
    }

    private static void readFile(ObjectMapper json, Path file, Map<String, List<Prediction>> byDataset,
                                 Consumer<String> warn) {
        String fileName = file.getFileName().toString();
        String fileDataset = fileName.substring(0, fileName.indexOf('.'));
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file + " line " + lineNo;
                JsonNode row = json.readTree(line);
                if (!row.hasNonNull("dataset") && !LongBenchDatasets.isKnown(fileDataset)) {
                    warn.accept("skipped " + file + ": '" + fileDataset + "' is not a LongBench dataset and its rows"
                            + " have no 'dataset' field");
                    return;
                }
                String dataset = row.hasNonNull("dataset") ? row.get("dataset").asText() : fileDataset;
                if (!LongBenchDatasets.isKnown(dataset)) {
                    throw new IllegalArgumentException(where + ": '" + dataset
                            + "' is not a LongBench dataset (name the file <dataset>.jsonl or add a 'dataset' field)");
                }
                byDataset.computeIfAbsent(dataset, k -> new ArrayList<>()).add(toPrediction(row, where));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    private static Prediction toPrediction(JsonNode row, String where) {
        JsonNode pred = row.has("pred") ? row.get("pred") : row.get("output_text");
        if (pred == null || !pred.isTextual()) {
            throw new IllegalArgumentException(where + ": needs a string 'pred' (or 'output_text'), got " + pred);
        }
        List<String> answers = strings(row.get("answers"), "answers", where);
        if (answers == null) {
            throw new IllegalArgumentException(where + ": needs 'answers' (a list of strings)");
        }
        List<String> allClasses = strings(row.get("all_classes"), "all_classes", where);
        JsonNode length = row.get("length");
        Integer len = length == null || length.isNull() ? null : length.asInt();
        return new Prediction(pred.asText(), answers, allClasses == null ? List.of() : allClasses, len);
    }

    /** A JSON list of strings (a bare string counts as a list of one); null for absent or null. */
    private static List<String> strings(JsonNode node, String field, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(where + ": '" + field + "' must be a list of strings, got "
                    + node.getNodeType());
        }
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(n.asText()));
        return out;
    }
}
