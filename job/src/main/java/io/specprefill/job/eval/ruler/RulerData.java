package io.specprefill.job.eval.ruler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.eval.PyText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * RULER's inputs from a data folder: {@code PaulGrahamEssays.json} ({@code {"text": ...}}, the
 * essay haystack), {@code wonderwords/{nounlist,adjectivelist,verblist}.txt} (one word a line)
 * and, optionally, {@code english_words.json} (common-words extraction beyond the wonderwords
 * pool). Each part is read on first use, so tasks that need none of them need no folder.
 */
public final class RulerData {
    private final Path dir;
    private List<String> essayWords;

    public RulerData(Path dir) {
        this.dir = dir;
    }

    /** {@code re.sub(r'\s+', " ", essay).split(" ")}: the essay as words (first N words = haystack of N). */
    public List<String> essayWords() {
        if (essayWords == null) {
            JsonNode text = readJson("PaulGrahamEssays.json").get("text");
            if (text == null || !text.isTextual()) {
                throw new IllegalArgumentException(file("PaulGrahamEssays.json") + ": expected {\"text\": \"...\"}");
            }
            StringBuilder collapsed = new StringBuilder(text.asText().length());
            boolean inSpace = false;
            for (int cp : text.asText().codePoints().toArray()) {
                if (PyText.isSpace(cp)) {
                    if (!inSpace) {
                        collapsed.append(' ');
                    }
                    inSpace = true;
                } else {
                    collapsed.appendCodePoint(cp);
                    inSpace = false;
                }
            }
            essayWords = List.copyOf(PyText.split(collapsed.toString(), " "));
        }
        return essayWords;
    }

    /** wonderwords' {@code _get_words_from_text_file(name)}: the file's lines. */
    public List<String> wordList(String name) {
        Path f = file("wonderwords/" + name);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("RULER word list " + f + " not found (--data-dir must hold wonderwords/"
                    + name + ")");
        }
        try {
            return Files.readString(f, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + f, e);
        }
    }

    /** {@code sorted(set(words))}. */
    static List<String> sortedUnique(List<String> words) {
        return new ArrayList<>(new TreeSet<>(words));
    }

    /** english_words.json's values, or an empty list when the folder has no such file. */
    public List<String> englishWords() {
        if (!Files.isRegularFile(file("english_words.json"))) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        readJson("english_words.json").forEach(v -> out.add(v.asText()));
        return out;
    }

    private Path file(String name) {
        if (dir == null) {
            throw new IllegalArgumentException("this RULER task needs --data-dir (a folder with " + name + ")");
        }
        return dir.resolve(name);
    }

    private JsonNode readJson(String name) {
        Path f = file(name);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("RULER data file " + f + " not found");
        }
        try {
            return new ObjectMapper().readTree(f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + f, e);
        }
    }
}
