package io.specprefill.udf.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level alphabet: every byte maps to one printable character ({@code bytes_to_unicode}:
 * the 188 printable Latin-1 bytes map to themselves, the other 68 to U+0100..U+0143 in byte order,
 * so space is 'Ġ' and newline 'Ċ'). Pre-tokens are mapped into it before BPE, and decoding maps
 * back to bytes and then to UTF-8, replacing invalid sequences as Rust's
 * {@code String::from_utf8_lossy} does (one U+FFFD per maximal invalid subpart; Java's own decoder
 * differs, e.g. on encoded surrogates).
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x144]; // -1: not in the alphabet

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The byte-level string of {@code text}'s UTF-8 bytes (one char per byte). */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) out[i] = BYTE_TO_CHAR[utf8[i] & 0xff];
        return new String(out);
    }

    /** The character byte {@code b} maps to. */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xff];
    }

    /**
     * Appends the bytes of one token. As HF's ByteLevel decoder: a token with any character outside
     * the alphabet (an added token such as "<|eot_id|>" is inside it; one with a space is not)
     * contributes its own UTF-8 bytes unchanged.
     */
    static void appendTokenBytes(String token, ByteArrayOutputStream out) {
        byte[] mapped = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
                return;
            }
            mapped[i] = (byte) b;
        }
        out.writeBytes(mapped);
    }

    /** UTF-8 to a String, each maximal invalid subpart (Unicode 3.9, as Rust) becoming U+FFFD. */
    static String decodeUtf8Lossy(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            }
            int width = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
            int valid = width == 0 ? 1 : validPrefix(b, i, c, width);
            if (valid == width) {
                sb.append(new String(b, i, width, StandardCharsets.UTF_8));
                i += width;
            } else {
                sb.append('\uFFFD');
                i += valid;
            }
        }
        return sb.toString();
    }

    /** How many bytes from {@code i} form a valid (possibly incomplete) prefix, at least 1. */
    private static int validPrefix(byte[] b, int i, int lead, int width) {
        int n = 1;
        while (n < width && i + n < b.length) {
            int x = b[i + n] & 0xff;
            int lo = 0x80;
            int hi = 0xBF;
            if (n == 1) { // the second byte's range depends on the lead (no overlongs, surrogates, > U+10FFFF)
                if (lead == 0xE0) lo = 0xA0;
                else if (lead == 0xED) hi = 0x9F;
                else if (lead == 0xF0) lo = 0x90;
                else if (lead == 0xF4) hi = 0x8F;
            }
            if (x < lo || x > hi) return n;
            n++;
        }
        return n;
    }
}
