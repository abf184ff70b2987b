package io.specprefill.job.eval.niah;

import io.specprefill.udf.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the asked needles' numbers lie among a prompt's tokens. The haystack holds {@code needles}
 * sentences "One of the special magic numbers for {key} is: {number}." (RULER's niah needle; a key may
 * hold a space, as wonderwords' "dune buggy" does); the
 * asked ones are those whose number is a reference answer. A number's token span is every token
 * whose bytes overlap the number's bytes: tokens are mapped to byte offsets through their
 * byte-level strings (one character per byte; special tokens such as BOS have none).
 *
 * @param spans     per answer, the token indices [start, end) of its number in the prompt's ids
 * @param sentences per answer, the token indices of its whole needle sentence ("One of ... is: N.")
 * @param allSpans  the numbers' spans of every needle sentence of the prompt (distractors too), in
 *                  prompt order; its size equals the row's {@code needles}
 */
public record Needles(List<int[]> spans, List<int[]> sentences, List<int[]> allSpans) {
    private static final Pattern NEEDLE = Pattern.compile("One of the special magic numbers for (.+?) is: (\\d+)\\.");

    /**
     * Locates the answers' needles of {@code row} in {@code ids} (its prompt encoded with BOS).
     * Throws naming the row when the needle count differs from {@code needles}, an answer has no
     * needle sentence, or the tokens do not spell the prompt.
     */
    public static Needles locate(NiahRow row, int[] ids, Tokenizer tokenizer) {
        String where = row.file() + " row " + row.id();
        List<int[]> charSpans = new ArrayList<>();
        List<int[]> sentenceChars = new ArrayList<>();
        List<String> numbers = new ArrayList<>();
        Matcher m = NEEDLE.matcher(row.prompt());
        while (m.find()) {
            numbers.add(m.group(2));
            charSpans.add(new int[] {m.start(2), m.end(2)});
            sentenceChars.add(new int[] {m.start(), m.end()});
        }
        if (numbers.size() != row.needles()) {
            throw new IllegalArgumentException(where + ": " + numbers.size() + " needle sentences in the prompt, but "
                    + "needles=" + row.needles());
        }
        long[] offsets = byteOffsets(ids, tokenizer, where, row.prompt());
        List<int[]> all = new ArrayList<>();
        for (int[] c : charSpans) {
            all.add(tokenSpan(offsets, utf8Length(row.prompt(), c[0]), utf8Length(row.prompt(), c[1])));
        }
        List<int[]> spans = new ArrayList<>();
        List<int[]> sentences = new ArrayList<>();
        for (String answer : row.answers()) {
            int i = numbers.indexOf(answer);
            if (i < 0 || numbers.lastIndexOf(answer) != i) {
                throw new IllegalArgumentException(where + ": answer " + answer + " is the number of "
                        + (i < 0 ? "no" : "more than one") + " needle sentence (numbers " + numbers + ")");
            }
            spans.add(all.get(i));
            int[] c = sentenceChars.get(i);
            sentences.add(tokenSpan(offsets, utf8Length(row.prompt(), c[0]), utf8Length(row.prompt(), c[1])));
        }
        return new Needles(spans, sentences, all);
    }

    /** Whether every token of the asked numbers is among {@code kept} (ascending prompt indices). */
    public boolean keptIn(int[] kept) {
        return allKept(spans, kept);
    }

    /** Whether every token of the asked needle sentences is among {@code kept}. */
    public boolean sentencesKeptIn(int[] kept) {
        return allKept(sentences, kept);
    }

    private static boolean allKept(List<int[]> spans, int[] kept) {
        for (int[] s : spans) {
            for (int t = s[0]; t < s[1]; t++) {
                if (Arrays.binarySearch(kept, t) < 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * offsets[t] = first byte of token t in the prompt's UTF-8, offsets[ids.length] = its byte length;
     * throws when the tokens' bytes do not add up to the prompt's (a normalizer or template changed it).
     */
    static long[] byteOffsets(int[] ids, Tokenizer tokenizer, String where, String prompt) {
        long[] offsets = new long[ids.length + 1];
        for (int t = 0; t < ids.length; t++) {
            String token = tokenizer.token(ids[t]);
            offsets[t + 1] = offsets[t] + (tokenizer.isSpecial(ids[t]) || token == null ? 0 : token.length());
        }
        long bytes = prompt.getBytes(StandardCharsets.UTF_8).length;
        if (offsets[ids.length] != bytes) {
            throw new IllegalStateException(where + ": the " + ids.length + " prompt tokens spell "
                    + offsets[ids.length] + " bytes, the prompt has " + bytes);
        }
        return offsets;
    }

    /** Tokens overlapping bytes [lo, hi): [first, end). */
    static int[] tokenSpan(long[] offsets, long lo, long hi) {
        int first = -1;
        int end = -1;
        for (int t = 0; t + 1 < offsets.length; t++) {
            if (offsets[t] < hi && offsets[t + 1] > lo) {
                if (first < 0) {
                    first = t;
                }
                end = t + 1;
            }
        }
        return new int[] {first, end};
    }

    /** UTF-8 bytes of s[0, end). */
    private static long utf8Length(String s, int end) {
        return s.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
    }
}
