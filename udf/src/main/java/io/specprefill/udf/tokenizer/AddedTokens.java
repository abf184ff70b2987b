package io.specprefill.udf.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The {@code added_tokens} of tokenizer.json matched inside text before pre-tokenization, as HF's
 * AddedVocabulary does: leftmost match first, the longest at that position; {@code lstrip} /
 * {@code rstrip} swallow whitespace beside the match; {@code single_word} requires no word
 * character on either side. Tokens with {@code normalized: false} are matched on the raw text,
 * those with {@code normalized: true} on the normalized remainder (two passes, as HF). Special and
 * non-special tokens are matched alike; specials are only skipped when decoding.
 */
final class AddedTokens {

    /** One {@code added_tokens} entry. */
    record Token(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord,
                 boolean normalized) {
    }

    private final List<Token> all;
    private final Map<Character, List<Token>> raw;
    private final Map<Character, List<Token>> normalized;

    AddedTokens(List<Token> tokens) {
        this.all = List.copyOf(tokens);
        this.raw = index(tokens, false);
        this.normalized = index(tokens, true);
    }

    /** Tokens by first character, longest first (so the first that matches is the longest). */
    private static Map<Character, List<Token>> index(List<Token> tokens, boolean normalizedSet) {
        Map<Character, List<Token>> m = new HashMap<>();
        for (Token t : tokens) {
            if (t.normalized() != normalizedSet || t.content().isEmpty()) continue;
            m.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
        }
        for (List<Token> l : m.values()) l.sort(Comparator.comparingInt((Token t) -> t.content().length()).reversed());
        return m;
    }

    List<Token> all() {
        return all;
    }

    /**
     * Splits {@code text} with the raw ({@code normalizedSet} false) or normalized token set: plain
     * stretches go to {@code onText} (never empty), matched tokens to {@code onToken}, in order.
     */
    void split(String text, boolean normalizedSet, Consumer<String> onText, IntConsumer onToken) {
        Map<Character, List<Token>> byFirst = normalizedSet ? normalized : raw;
        if (byFirst.isEmpty()) {
            if (!text.isEmpty()) onText.accept(text);
            return;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            Token t = longestAt(byFirst, text, i);
            if (t == null) {
                i++;
                continue;
            }
            int start = i;
            int end = i + t.content().length();
            if (t.lstrip()) while (start > plainStart && Character.isWhitespace(text.charAt(start - 1))) start--;
            if (t.rstrip()) while (end < text.length() && Character.isWhitespace(text.charAt(end))) end++;
            if (start > plainStart) onText.accept(text.substring(plainStart, start));
            onToken.accept(t.id());
            plainStart = end;
            i = end;
        }
        if (plainStart < text.length()) onText.accept(text.substring(plainStart));
    }

    private static Token longestAt(Map<Character, List<Token>> byFirst, String text, int i) {
        List<Token> candidates = byFirst.get(text.charAt(i));
        if (candidates == null) return null;
        for (Token t : candidates) {
            if (!text.startsWith(t.content(), i)) continue;
            if (t.singleWord() && !(boundary(text, i - 1) && boundary(text, i + t.content().length()))) return null;
            return t;
        }
        return null;
    }

    /** True when position {@code i} is outside the text or not a word character (HF: alphanumeric or '_'). */
    private static boolean boundary(String text, int i) {
        if (i < 0 || i >= text.length()) return true;
        char c = text.charAt(i);
        return !(Character.isLetterOrDigit(c) || c == '_');
    }
}
