package io.specprefill.job.eval.niah;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One needle-in-a-haystack evaluation row as {@code shared/data/niah/*.jsonl} holds it: the prompt
 * (fed as is: BOS from the tokenizer, no chat template), the reference answers (the asked needle's
 * number) and how many needle sentences the haystack holds (the asked one plus distractors).
 *
 * @param file    the file's name without {@code .jsonl} (e.g. niah-1k): the table's column
 * @param needles needle sentences in the prompt ({@code needles}), at least 1
 */
public record NiahRow(String file, String id, String prompt, List<String> answers, int needles) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public NiahRow {
        answers = List.copyOf(answers);
    }

    /** The first {@code limit} rows of {@code file} (all when limit is 0); throws naming the file and line. */
    public static List<NiahRow> read(Path file, int limit) {
        String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
        List<NiahRow> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file)) {
            int lineNo = 0;
            for (String line; (limit == 0 || rows.size() < limit) && (line = in.readLine()) != null; ) {
                lineNo++;
                if (!line.isBlank()) {
                    rows.add(parse(name, line, file + " line " + lineNo));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + ": no rows");
        }
        return rows;
    }

    private static NiahRow parse(String file, String line, String where) throws IOException {
        JsonNode j;
        try {
            j = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        for (String field : List.of("id", "prompt", "answers", "needles")) {
            if (j.get(field) == null || j.get(field).isNull()) {
                throw new IllegalArgumentException(where + ": field '" + field + "' is missing (expected id, prompt,"
                        + " answers, needles)");
            }
        }
        List<String> answers = new ArrayList<>();
        j.get("answers").forEach(a -> answers.add(a.asText()));
        if (answers.isEmpty() || !j.get("needles").canConvertToInt() || j.get("needles").asInt() < 1) {
            throw new IllegalArgumentException(where + ": needs at least one answer and needles >= 1, got answers="
                    + j.get("answers") + " needles=" + j.get("needles"));
        }
        return new NiahRow(file, j.get("id").asText(), j.get("prompt").asText(), answers, j.get("needles").asInt());
    }
}
