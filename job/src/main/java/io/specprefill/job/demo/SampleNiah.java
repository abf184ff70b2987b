package io.specprefill.job.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The embedded default's prompts: needle-in-a-haystack rows in the format the shipped niah models
 * were trained on (models/README.md), over prose the project owns
 * ({@code resources/demo/haystack.txt}). Each row hides 1 needle (60%) or 2-3, each
 * "One of the special magic numbers for {adjective}-{noun} is: {7-digit number}.", at sentence
 * boundaries of a window of whole sentences, and asks for one of them. Same seed, same rows.
 */
public final class SampleNiah {
    private SampleNiah() {
    }

    static final String INTRO = "Some special magic numbers are hidden within the following text. "
            + "Make sure to memorize it. I will quiz you about the numbers afterwards.\n";
    private static final List<String> ADJECTIVES = List.of("quiet", "brave", "hollow", "bright", "gentle", "rapid",
            "silver", "humble", "ancient", "clever", "fuzzy", "golden", "hidden", "lively", "narrow", "proud", "rusty",
            "sleepy", "tidy", "wild");
    private static final List<String> NOUNS = List.of("lantern", "harbor", "meadow", "pebble", "violin", "compass",
            "falcon", "teapot", "orchard", "ladder", "blanket", "canyon", "feather", "garden", "island", "kettle",
            "mirror", "pillow", "rocket", "saddle");

    /**
     * @param id      row id
     * @param prompt  the whole prompt, fed as it is (BOS, no chat template)
     * @param answer  the asked needle's number
     * @param key     the asked needle's key, adjective-noun
     * @param needles needles hidden in the haystack
     */
    public record Row(String id, String prompt, String answer, String key, int needles) {
    }

    /** {@code rows} prompts of about {@code haystackChars} characters of haystack each (the shipped tokenizer makes about 2.5 characters a token). */
    public static List<Row> generate(int rows, int haystackChars, long seed) {
        List<String> sentences = sentences(haystack());
        List<Row> out = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            out.add(row("niah-sample-" + i, sentences, haystackChars, new Random(seed * 1_000_003L + i)));
        }
        return out;
    }

    private static Row row(String id, List<String> sentences, int haystackChars, Random random) {
        List<String> window = new ArrayList<>();
        int start = random.nextInt(sentences.size());
        for (int length = 0, s = start; length < haystackChars; s = (s + 1) % sentences.size()) {
            window.add(sentences.get(s));
            length += sentences.get(s).length() + 1;
        }
        int needles = random.nextDouble() < 0.6 ? 1 : 2 + random.nextInt(2);
        List<String> keys = new ArrayList<>();
        List<String> numbers = new ArrayList<>();
        while (keys.size() < needles) {
            String key = ADJECTIVES.get(random.nextInt(ADJECTIVES.size())) + "-" + NOUNS.get(random.nextInt(NOUNS.size()));
            if (!keys.contains(key)) {
                keys.add(key);
                numbers.add(String.valueOf(1_000_000 + random.nextInt(9_000_000)));
            }
        }
        for (int n = 0; n < needles; n++) {
            String needle = "One of the special magic numbers for " + keys.get(n) + " is: " + numbers.get(n) + ".";
            window.add(random.nextInt(window.size() + 1), needle);
        }
        int asked = random.nextInt(needles);
        String key = keys.get(asked);
        String prompt = INTRO + String.join(" ", window) + "\nWhat is the special magic number for " + key
                + " mentioned in the provided text? The special magic number for " + key
                + " mentioned in the provided text is";
        return new Row(id, prompt, numbers.get(asked), key, needles);
    }

    /** The haystack's sentences, whitespace (paragraph breaks included) folded to single spaces. */
    static List<String> sentences(String text) {
        return Arrays.stream(text.strip().split("(?<=[.!?])\\s+")).map(s -> s.replaceAll("\\s+", " "))
                .filter(s -> !s.isEmpty()).toList();
    }

    static String haystack() {
        try (InputStream in = SampleNiah.class.getResourceAsStream("/demo/haystack.txt")) {
            if (in == null) {
                throw new IllegalStateException("resource /demo/haystack.txt is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource /demo/haystack.txt", e);
        }
    }
}
