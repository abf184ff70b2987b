package io.specprefill.udf.tokenizer;

import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts a text segment (added tokens already taken out) into the words BPE merges within, as
 * tokenizer.json's {@code pre_tokenizer} does: a {@code Sequence} of steps, each applied to every
 * piece the previous one produced. Llama 3 and Qwen 2 use Sequence[Split(regex, Isolated),
 * ByteLevel(no prefix space, no regex)].
 */
interface PreTokenizer {
    /** GPT-2's pattern, used by a ByteLevel step with {@code use_regex: true}. */
    String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Emits the pieces of {@code piece}, in order. */
    void apply(String piece, Consumer<String> out);

    /**
     * Compiles an HF (Oniguruma) regex for java.util.regex. The constructs tokenizer.json files use
     * ({@code (?i:...)}, {@code \p{L}}, {@code \p{N}}, {@code (?!\S)}, classes, counted repeats)
     * mean the same in both; Oniguruma's {@code \s}, {@code \d}, {@code \w} and {@code (?i)} are
     * Unicode-aware, which Java's are only with UNICODE_CHARACTER_CLASS.
     */
    static Pattern compile(String onigRegex) {
        return Pattern.compile(onigRegex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** Pieces are the regex matches and, between them, the unmatched gaps (Isolated), or only the gaps (Removed). */
    record Split(Pattern pattern, boolean keepMatches) implements PreTokenizer {
        @Override
        public void apply(String piece, Consumer<String> out) {
            Matcher m = pattern.matcher(piece);
            int last = 0;
            while (m.find()) {
                if (m.end() == m.start()) continue; // HF never yields empty pieces
                if (m.start() > last) out.accept(piece.substring(last, m.start()));
                if (keepMatches) out.accept(piece.substring(m.start(), m.end()));
                last = m.end();
            }
            if (last < piece.length()) out.accept(piece.substring(last));
        }
    }

    /**
     * Maps UTF-8 bytes to GPT-2's byte alphabet; with {@code addPrefixSpace} a piece that does not
     * start with a space gets one (HF applies this to every piece it receives), with {@code useRegex}
     * it first splits with GPT-2's pattern.
     */
    record ByteLevelStep(boolean addPrefixSpace, Pattern gpt2) implements PreTokenizer {
        @Override
        public void apply(String piece, Consumer<String> out) {
            String p = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
            if (gpt2 == null) {
                out.accept(ByteLevel.encode(p));
            } else {
                new Split(gpt2, true).apply(p, s -> out.accept(ByteLevel.encode(s)));
            }
        }
    }

    /** Each step applied to every piece of the previous one. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public void apply(String piece, Consumer<String> out) {
            apply(0, piece, out);
        }

        private void apply(int step, String piece, Consumer<String> out) {
            if (step == steps.size()) {
                out.accept(piece);
                return;
            }
            steps.get(step).apply(piece, p -> apply(step + 1, p, out));
        }
    }
}
