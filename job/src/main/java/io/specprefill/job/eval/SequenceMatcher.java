package io.specprefill.job.eval;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code difflib.SequenceMatcher(None, a, b)} over code points (isjunk None, autojunk on):
 * the ratio that fuzzywuzzy's {@code fuzz.ratio} falls back to when python-Levenshtein is absent.
 *
 * <p>Autojunk: when len(b) >= 200, an element occurring more than len(b)//100 + 1 times in b is
 * "popular" and removed from the b2j index (it can still extend a match, since bjunk is empty
 * with isjunk None). find_longest_match keeps, for each row i, the lengths of matches ending at
 * (i, j); ties go to the earliest i, then the earliest j, exactly as the Python loop order does.
 */
public final class SequenceMatcher {
    /** A matching block: a[i, i+size) == b[j, j+size). */
    public record Match(int i, int j, int size) {
    }

    private final int[] a;
    private final int[] b;
    /** element of b -> ascending indices in b (popular elements removed). */
    private final Map<Integer, int[]> b2j;

    public SequenceMatcher(String a, String b) {
        this(PyText.codePoints(a), PyText.codePoints(b));
    }

    public SequenceMatcher(int[] a, int[] b) {
        this.a = a;
        this.b = b;
        this.b2j = chainB(b);
    }

    private static Map<Integer, int[]> chainB(int[] b) {
        Map<Integer, List<Integer>> lists = new HashMap<>();
        for (int j = 0; j < b.length; j++) {
            lists.computeIfAbsent(b[j], k -> new ArrayList<>()).add(j);
        }
        int n = b.length;
        int ntest = n / 100 + 1;
        Map<Integer, int[]> out = new HashMap<>();
        for (Map.Entry<Integer, List<Integer>> e : lists.entrySet()) {
            if (n >= 200 && e.getValue().size() > ntest) {
                continue; // popular: autojunk drops it from b2j
            }
            out.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    /** find_longest_match(alo, ahi, blo, bhi), then extended over equal neighbours (no junk here). */
    public Match findLongestMatch(int alo, int ahi, int blo, int bhi) {
        int besti = alo;
        int bestj = blo;
        int bestsize = 0;
        // j2len: length of the match ending at (i-1, j); kept sparse as Python's dict is.
        Map<Integer, Integer> j2len = new HashMap<>();
        for (int i = alo; i < ahi; i++) {
            Map<Integer, Integer> newj2len = new HashMap<>();
            int[] js = b2j.get(a[i]);
            if (js != null) {
                for (int j : js) {
                    if (j < blo) {
                        continue;
                    }
                    if (j >= bhi) {
                        break;
                    }
                    int k = j2len.getOrDefault(j - 1, 0) + 1;
                    newj2len.put(j, k);
                    if (k > bestsize) {
                        besti = i - k + 1;
                        bestj = j - k + 1;
                        bestsize = k;
                    }
                }
            }
            j2len = newj2len;
        }
        while (besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1]) {
            besti--;
            bestj--;
            bestsize++;
        }
        while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] == b[bestj + bestsize]) {
            bestsize++;
        }
        return new Match(besti, bestj, bestsize);
    }

    /** get_matching_blocks() without the final sentinel, in the order Python's queue finds them. */
    public List<Match> matchingBlocks() {
        List<Match> blocks = new ArrayList<>();
        Deque<int[]> stack = new ArrayDeque<>();
        stack.push(new int[] {0, a.length, 0, b.length});
        while (!stack.isEmpty()) {
            int[] q = stack.pop();
            int alo = q[0];
            int ahi = q[1];
            int blo = q[2];
            int bhi = q[3];
            Match m = findLongestMatch(alo, ahi, blo, bhi);
            if (m.size() > 0) {
                blocks.add(m);
                if (alo < m.i() && blo < m.j()) {
                    stack.push(new int[] {alo, m.i(), blo, m.j()});
                }
                if (m.i() + m.size() < ahi && m.j() + m.size() < bhi) {
                    stack.push(new int[] {m.i() + m.size(), ahi, m.j() + m.size(), bhi});
                }
            }
        }
        blocks.sort((x, y) -> x.i() != y.i() ? Integer.compare(x.i(), y.i()) : Integer.compare(x.j(), y.j()));
        return blocks;
    }

    /** ratio() = 2 * M / (len(a) + len(b)), 1.0 when both are empty. */
    public double ratio() {
        int matches = 0;
        for (Match m : matchingBlocks()) {
            matches += m.size();
        }
        int length = a.length + b.length;
        return length == 0 ? 1.0 : 2.0 * matches / length;
    }
}
