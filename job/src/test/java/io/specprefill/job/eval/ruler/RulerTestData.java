package io.specprefill.job.eval.ruler;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The project's own small RULER inputs (test resources) and a tokenizer stand-in for them. */
public final class RulerTestData {
    private RulerTestData() {
    }

    public static Path miniDir() {
        try {
            return Path.of(RulerTestData.class.getResource("/ruler-mini/templates.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RulerTemplates templates() {
        return RulerTemplates.load(miniDir().resolve("templates.json"));
    }

    public static RulerData data() {
        return new RulerData(miniDir());
    }

    private static final Pattern TOKEN = Pattern.compile("\\w+|[^\\w\\s]");

    /** A token per word and per punctuation mark: deterministic, roughly BPE-sized for English. */
    public static final ToIntFunction<String> WORD_TOKENS = text -> {
        Matcher m = TOKEN.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    };

    /** Occurrences of {@code needle} in {@code text} (non-overlapping). */
    public static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            n++;
        }
        return n;
    }
}
