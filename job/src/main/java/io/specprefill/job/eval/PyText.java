package io.specprefill.job.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Python 3 {@code str} semantics that the official scorers depend on, written out so that Java's
 * different definitions (e.g. {@link Character#isWhitespace} excludes U+00A0, Java indexes UTF-16
 * units, not code points) never change a score.
 */
public final class PyText {
    private PyText() {
    }

    /** Python's {@code str.isspace()} for one code point (what {@code split()} and {@code strip()} use). */
    public static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0
                || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029
                || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /**
     * Python's {@code re} word character for str patterns ({@code \w}, and so {@code \b}):
     * {@code str.isalnum()} or underscore. isalnum = letters (L*) or numerics (Nd, Nl, No).
     */
    public static boolean isWordChar(int cp) {
        if (cp == '_' || Character.isLetter(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** Python's {@code s.split()}: runs of whitespace separate, no empty pieces. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (isSpace(cp)) {
                if (start >= 0) {
                    out.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            out.add(s.substring(start));
        }
        return out;
    }

    /** Python's {@code s.split(sep)} with a literal, non-empty separator (empty pieces kept). */
    public static List<String> split(String s, String sep) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int at = s.indexOf(sep, from); at >= 0; at = s.indexOf(sep, from)) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** Python's {@code s.strip()} (no argument: Unicode whitespace). */
    public static String strip(String s) {
        int begin = 0;
        int end = s.length();
        while (begin < end && isSpace(s.codePointAt(begin))) {
            begin += Character.charCount(s.codePointAt(begin));
        }
        while (end > begin && isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(begin, end);
    }

    /** Python's {@code s.lstrip(chars)}: drops leading characters that are in {@code chars}. */
    public static String lstrip(String s, String chars) {
        int begin = 0;
        while (begin < s.length() && chars.indexOf(s.codePointAt(begin)) >= 0) {
            begin += Character.charCount(s.codePointAt(begin));
        }
        return s.substring(begin);
    }

    /** Python's {@code s.lower()}: full Unicode lower-casing, locale independent. */
    public static String lower(String s) {
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code "".join(ch for ch in s if ch not in drop)} over code points. */
    public static String removeChars(String s, String drop) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().filter(cp -> drop.indexOf(cp) < 0).forEach(sb::appendCodePoint);
        return sb.toString();
    }

    /** The string as code points: Python's {@code len} and indexing. */
    public static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }
}
