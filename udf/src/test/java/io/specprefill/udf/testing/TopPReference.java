package io.specprefill.udf.testing;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * Double-precision, sort-based reference of Backend.sampleTopP for one row: the nucleus is built by
 * sorting the tokens by logit (descending) and adding whole groups of equal logits until their mass
 * reaches topP * S; the draw walks the kept tokens in ascending id. Because backends round, it returns
 * every id a correct backend may give: the nucleus may be any candidate whose mass lies within
 * eps * S of topP * S, and the draw may land on any token whose running-mass interval comes within
 * the window of u * K.
 */
public final class TopPReference {
    private TopPReference() {
    }

    /** The ids acceptable for row logits[base, base + vocab) at relative rounding eps. */
    public static Set<Integer> acceptable(float[] logits, int base, int vocab, double temperature, double topP,
                                          double u, double eps) {
        float xmax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) xmax = Math.max(xmax, logits[base + j]);
        double[] e = new double[vocab];
        double S = 0;
        for (int j = 0; j < vocab; j++) S += (e[j] = Math.exp((logits[base + j] - (double) xmax) / temperature));
        Integer[] order = new Integer[vocab];
        for (int j = 0; j < vocab; j++) order[j] = j;
        Arrays.sort(order, (a, b) -> Float.compare(logits[base + b] + 0f, logits[base + a] + 0f));
        double target = topP * S;
        double mass = 0;
        float smallest = Float.NaN, largest = Float.NaN;   // threshold logits of the candidate nuclei
        double smallMass = 0, largeMass = 0;
        boolean reached = false;
        for (int i = 0; i < vocab; ) {
            float x = logits[base + order[i]];
            while (i < vocab && logits[base + order[i]] == x) mass += e[order[i++]];   // a whole tie group
            boolean near = Math.abs(mass - target) <= eps * S;
            if ((near || mass >= target) && Float.isNaN(smallest)) {
                smallest = x;
                smallMass = mass;
            }
            if (near || (mass >= target && !reached)) {
                largest = x;
                largeMass = mass;
            }
            if (mass >= target) reached = true;
            if (reached && !near) break;
        }
        double window = eps * S + (largeMass - smallMass);
        Set<Integer> ids = new TreeSet<>();
        for (float threshold : new float[]{smallest, largest}) {
            double K = 0;
            for (int j = 0; j < vocab; j++) if (logits[base + j] >= threshold) K += e[j];
            double draw = u * K, cum = 0;
            for (int j = 0; j < vocab; j++) {
                if (logits[base + j] < threshold) continue;
                double before = cum;
                cum += e[j];
                if (cum >= draw - window && before <= draw + window && e[j] > 0) ids.add(j);
            }
        }
        return ids;
    }

    /** The probability of each token under the exact (double) nucleus; 0 outside it. */
    public static double[] nucleusProbabilities(float[] logits, int base, int vocab, double temperature, double topP) {
        float xmax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) xmax = Math.max(xmax, logits[base + j]);
        double[] e = new double[vocab];
        double S = 0;
        for (int j = 0; j < vocab; j++) S += (e[j] = Math.exp((logits[base + j] - (double) xmax) / temperature));
        float[] sorted = new float[vocab];
        for (int j = 0; j < vocab; j++) sorted[j] = logits[base + j];
        Arrays.sort(sorted);
        double mass = 0;
        float threshold = sorted[vocab - 1];
        for (int i = vocab - 1; i >= 0; ) {
            float x = sorted[i];
            threshold = x;
            for (int j = 0; j < vocab; j++) if (logits[base + j] == x) mass += e[j];
            while (i >= 0 && sorted[i] == x) i--;
            if (mass >= topP * S) break;
        }
        double[] p = new double[vocab];
        for (int j = 0; j < vocab; j++) if (logits[base + j] >= threshold) p[j] = e[j] / mass;
        return p;
    }
}
