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
 * jieba's HMM for words not in the dictionary ({@code jieba.finalseg.__cut}): Viterbi over the
 * states B(egin) M(iddle) E(nd) S(ingle) of a run of Chinese characters.
 *
 * <p>The emission log-probabilities are jieba-analysis's {@code prob_emit.txt} (jieba's
 * prob_emit.py printed to 12 significant digits, so values differ from Python's by up to 5e-11).
 * Ties are broken as Python's {@code max} over {@code (prob, state)} tuples does: the larger
 * state letter wins. Ties are common, not rare: once a character missing from the emission table
 * adds MIN_FLOAT (-3.14e100), every finite term is absorbed and all states score the same.
 */
final class JiebaHmm {
    private static final double MIN_FLOAT = -3.14e100;
    /** States in jieba's order 'BMES' (indices 0..3); tie-break compares the letters. */
    private static final char[] STATES = {'B', 'M', 'E', 'S'};
    /** jieba's prob_start (log), by state index. */
    private static final double[] START = {-0.26268660809250016, MIN_FLOAT, MIN_FLOAT, -1.4652633398537678};
    /** jieba's prob_trans (log) [from][to]; MIN_FLOAT where jieba has no entry. */
    private static final double[][] TRANS = {
        {MIN_FLOAT, -0.916290731874155, -0.51082562376599, MIN_FLOAT},
        {MIN_FLOAT, -1.2603623820268226, -0.33344856811948514, MIN_FLOAT},
        {-0.5897149736854513, MIN_FLOAT, MIN_FLOAT, -0.8085250474669937},
        {-0.7211965654669841, MIN_FLOAT, MIN_FLOAT, -0.6658631448798212},
    };
    /** jieba's PrevStatus: the states that may precede each state, in jieba's order. */
    private static final int[][] PREV = {{2, 3}, {1, 0}, {0, 1}, {3, 2}};

    /** state index -> character -> emission log-probability. */
    private final List<Map<Character, Double>> emit;

    private JiebaHmm(List<Map<Character, Double>> emit) {
        this.emit = emit;
    }

    /** Loads prob_emit.txt from the jieba-analysis jar. */
    static JiebaHmm load() {
        List<Map<Character, Double>> emit = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            emit.add(new HashMap<>());
        }
        try (InputStream in = WordDictionary.class.getResourceAsStream("/prob_emit.txt")) {
            if (in == null) {
                throw new IllegalStateException("prob_emit.txt not found in the jieba-analysis jar on the classpath");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            Map<Character, Double> current = null;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.length() == 1) {
                    current = emit.get(new String(STATES).indexOf(line.charAt(0)));
                } else if (!line.isEmpty() && current != null) {
                    int tab = line.indexOf('\t');
                    current.put(line.charAt(0), Double.parseDouble(line.substring(tab + 1)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading jieba-analysis prob_emit.txt", e);
        }
        return new JiebaHmm(emit);
    }

    /** jieba.finalseg.__cut: the words of one run of Chinese characters. */
    List<String> cut(String sentence) {
        int[] pos = viterbi(sentence);
        List<String> out = new ArrayList<>();
        int begin = 0;
        int next = 0;
        for (int i = 0; i < sentence.length(); i++) {
            char state = STATES[pos[i]];
            if (state == 'B') {
                begin = i;
            } else if (state == 'E') {
                out.add(sentence.substring(begin, i + 1));
                next = i + 1;
            } else if (state == 'S') {
                out.add(sentence.substring(i, i + 1));
                next = i + 1;
            }
        }
        if (next < sentence.length()) {
            out.add(sentence.substring(next));
        }
        return out;
    }

    /** The most likely state index per character (back-pointers instead of jieba's path lists). */
    private int[] viterbi(String obs) {
        int n = obs.length();
        double[] v = new double[4];
        int[][] back = new int[n][4];
        for (int y = 0; y < 4; y++) {
            v[y] = START[y] + emission(y, obs.charAt(0));
        }
        for (int t = 1; t < n; t++) {
            double[] nv = new double[4];
            for (int y = 0; y < 4; y++) {
                double em = emission(y, obs.charAt(t));
                int bestPrev = -1;
                double best = 0;
                for (int y0 : PREV[y]) {
                    double p = v[y0] + TRANS[y0][y] + em;
                    if (bestPrev < 0 || greater(p, y0, best, bestPrev)) {
                        best = p;
                        bestPrev = y0;
                    }
                }
                nv[y] = best;
                back[t][y] = bestPrev;
            }
            v = nv;
        }
        int state = greater(v[2], 2, v[3], 3) ? 2 : 3; // max over 'E', 'S'
        int[] pos = new int[n];
        for (int t = n - 1; t >= 0; t--) {
            pos[t] = state;
            state = back[t][state];
        }
        return pos;
    }

    private double emission(int state, char c) {
        return emit.get(state).getOrDefault(c, MIN_FLOAT);
    }

    /** Python tuple order: (p, letter of a) > (q, letter of b). */
    private static boolean greater(double p, int a, double q, int b) {
        return p > q || (p == q && STATES[a] > STATES[b]);
    }
}
