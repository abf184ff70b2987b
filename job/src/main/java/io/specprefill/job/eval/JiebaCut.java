package io.specprefill.job.eval;

import com.huaban.analysis.jieba.WordDictionary;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jieba.cut(text, cut_all=False)} (precise mode, HMM on) of Python jieba 0.42, the
 * segmentation LongBench's Chinese metrics use, over the dictionary and HMM tables that the Java
 * port {@code com.huaban:jieba-analysis} ships.
 *
 * <p>Why not jieba-analysis's own {@code JiebaSegmenter}: it lower-cases and half-widths letters
 * before matching, scores unknown fragments with the dictionary's minimum frequency instead of
 * 1, breaks route ties towards the shorter word, and keeps numbers like "3.5%" apart; each of
 * those changes tokens against Python. This class follows Python's algorithm step by step; what
 * remains different is the data: jieba-analysis's dict.txt lacks one entry of Python's
 * ("吉林 89 ns") and its emission table has 12 significant digits.
 */
public final class JiebaCut implements ChineseSegmenter {
    /** word or word prefix -> frequency (0 for a prefix that is not itself a word), as jieba's gen_pfdict. */
    private final Map<String, Integer> freq;
    private final double logTotal;
    private final JiebaHmm hmm;

    private JiebaCut(Map<String, Integer> freq, long total, JiebaHmm hmm) {
        this.freq = freq;
        this.logTotal = Math.log(total);
        this.hmm = hmm;
    }

    /** Loads dict.txt and prob_emit.txt from the jieba-analysis jar (about a second). */
    public static JiebaCut load() {
        Map<String, Integer> freq = new HashMap<>(1 << 20);
        long total = 0;
        try (InputStream in = WordDictionary.class.getResourceAsStream("/dict.txt")) {
            if (in == null) {
                throw new IllegalStateException("dict.txt not found in the jieba-analysis jar on the classpath");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int lineNo = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                String[] parts = PyText.strip(line).split(" ");
                if (parts.length < 2) {
                    throw new IllegalStateException("jieba dict.txt line " + lineNo + ": expected 'word freq', got '"
                            + line + "'");
                }
                int f = Integer.parseInt(parts[1]);
                freq.put(parts[0], f);
                total += f;
                for (int k = 1; k < parts[0].length(); k++) {
                    freq.putIfAbsent(parts[0].substring(0, k), 0);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading jieba-analysis dict.txt", e);
        }
        return new JiebaCut(freq, total, JiebaHmm.load());
    }

    /** Tokenizer.cut: han blocks go to the DAG cut; elsewhere whitespace and every other character are tokens. */
    @Override
    public List<String> cut(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int start = i;
            if (isHanDefault(text.charAt(i))) {
                while (i < text.length() && isHanDefault(text.charAt(i))) {
                    i++;
                }
                cutDag(text.substring(start, i), out);
            } else if (text.startsWith("\r\n", i)) {
                out.add("\r\n");
                i += 2;
            } else {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                out.add(text.substring(start, i));
            }
        }
        return out;
    }

    /** re_han_default: [\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]. */
    private static boolean isHanDefault(char c) {
        return (c >= '\u4E00' && c <= '\u9FD5') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9') || "+#&._%-".indexOf(c) >= 0;
    }

    /** __cut_DAG: the best route over dictionary words; runs of single characters go to the HMM. */
    private void cutDag(String sentence, List<String> out) {
        int n = sentence.length();
        int[] routeEnd = route(sentence);
        StringBuilder buf = new StringBuilder();
        int x = 0;
        while (x < n) {
            int y = routeEnd[x] + 1;
            if (y - x == 1) {
                buf.append(sentence.charAt(x));
            } else {
                flush(buf, out);
                out.add(sentence.substring(x, y));
            }
            x = y;
        }
        flush(buf, out);
    }

    private void flush(StringBuilder buf, List<String> out) {
        if (buf.length() == 0) {
            return;
        }
        String b = buf.toString();
        buf.setLength(0);
        if (b.length() == 1) {
            out.add(b);
        } else if (freq.getOrDefault(b, 0) == 0) {
            finalsegCut(b, out);
        } else {
            for (int k = 0; k < b.length(); k++) {
                out.add(b.substring(k, k + 1));
            }
        }
    }

    /**
     * get_DAG + calc: route[idx] = max over DAG ends x of (log(freq or 1) - log(total) + route[x+1], x),
     * Python tuple order (a tie goes to the longer word). Returns the chosen end x per index.
     */
    private int[] route(String sentence) {
        int n = sentence.length();
        double[] best = new double[n + 1];
        int[] end = new int[n + 1];
        for (int idx = n - 1; idx >= 0; idx--) {
            boolean found = false;
            for (int x : dag(sentence, idx)) {
                int f = freq.getOrDefault(sentence.substring(idx, x + 1), 0);
                double score = Math.log(f == 0 ? 1 : f) - logTotal + best[x + 1];
                if (!found || score > best[idx] || (score == best[idx] && x > end[idx])) {
                    best[idx] = score;
                    end[idx] = x;
                    found = true;
                }
            }
        }
        return end;
    }

    /** DAG[k]: ends i of dictionary words sentence[k..i] (k itself when there is none). */
    private List<Integer> dag(String sentence, int k) {
        List<Integer> ends = new ArrayList<>();
        int i = k;
        String frag = sentence.substring(k, k + 1);
        while (i < sentence.length() && freq.containsKey(frag)) {
            if (freq.get(frag) > 0) {
                ends.add(i);
            }
            i++;
            frag = sentence.substring(k, Math.min(i + 1, sentence.length()));
        }
        if (ends.isEmpty()) {
            ends.add(k);
        }
        return ends;
    }

    /** finalseg.cut: runs of [\u4E00-\u9FD5] go to the HMM; the rest splits on [a-zA-Z0-9]+(\.\d+)?%?. */
    private void finalsegCut(String s, List<String> out) {
        int i = 0;
        StringBuilder other = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= '\u4E00' && c <= '\u9FD5') {
                splitSkip(other.toString(), out);
                other.setLength(0);
                int start = i;
                while (i < s.length() && s.charAt(i) >= '\u4E00' && s.charAt(i) <= '\u9FD5') {
                    i++;
                }
                out.addAll(hmm.cut(s.substring(start, i)));
            } else {
                other.append(c);
                i++;
            }
        }
        splitSkip(other.toString(), out);
    }

    private static final java.util.regex.Pattern RE_SKIP =
            java.util.regex.Pattern.compile("[a-zA-Z0-9]+(?:\\.[0-9]+)?%?");

    /** {@code [x for x in re_skip.split(blk) if x]}: matches and the text between them, empty pieces dropped. */
    private static void splitSkip(String blk, List<String> out) {
        java.util.regex.Matcher m = RE_SKIP.matcher(blk);
        int from = 0;
        while (m.find()) {
            if (m.start() > from) {
                out.add(blk.substring(from, m.start()));
            }
            out.add(m.group());
            from = m.end();
        }
        if (from < blk.length()) {
            out.add(blk.substring(from));
        }
    }
}
