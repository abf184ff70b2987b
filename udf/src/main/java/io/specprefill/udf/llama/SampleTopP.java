package io.specprefill.udf.llama;

/**
 * Temperature + top-p sampling of one logits row ({@link Backend#sampleTopP}'s definition): the CPU
 * twin of {@code sample_top_p.cu}, and the argument checks both backends share.
 *
 * <p>Sort-free like the kernel: the nucleus threshold x* is found by binary search over the ordered
 * int keys of float logits (at most 32 passes; each pass sums e_j over keys &gt;= mid), so the CPU and
 * GPU take the same decisions. e_j are float32 as on the GPU; the sums here are accumulated in double
 * (sequential float sums over 128k tokens drift by ~1e-5 relative; the kernel's tree sums by ~1e-6),
 * which makes this twin the accurate side of every comparison.
 */
public final class SampleTopP {
    private SampleTopP() {
    }

    /** Throws naming the op, the row and the value when an argument of {@link Backend#sampleTopP} is out of range. */
    public static void check(String op, int R, int vocab, float[] temperature, float[] topP, float[] uniforms) {
        if (R < 0 || vocab < 1) throw new IllegalArgumentException(op + ": R=" + R + " vocab=" + vocab + " (need R >= 0, vocab >= 1)");
        float[][] arrays = {temperature, topP, uniforms};
        String[] names = {"temperature", "topP", "uniforms"};
        for (int a = 0; a < 3; a++) {
            if (arrays[a].length < R) {
                throw new IllegalArgumentException(op + ": " + names[a] + " has " + arrays[a].length + " entries, need R=" + R);
            }
        }
        for (int r = 0; r < R; r++) {
            if (!(temperature[r] > 0) || !Float.isFinite(temperature[r])) {
                throw new IllegalArgumentException(op + ": row " + r + " temperature=" + temperature[r] + " must be finite and > 0");
            }
            if (!(topP[r] > 0 && topP[r] <= 1)) {
                throw new IllegalArgumentException(op + ": row " + r + " topP=" + topP[r] + " must be in (0, 1]");
            }
            if (!(uniforms[r] >= 0 && uniforms[r] < 1)) {
                throw new IllegalArgumentException(op + ": row " + r + " uniform=" + uniforms[r] + " must be in [0, 1)");
            }
        }
    }

    /** {@link Backend#sampleTopP} on host arrays: out [R], logits [R, vocab]; rows in parallel. */
    static void sampleRows(int[] out, float[] logits, int R, int vocab, float[] temperature, float[] topP,
                           float[] uniforms) {
        check("sampleTopP", R, vocab, temperature, topP, uniforms);
        if (out.length < R || logits.length < (long) R * vocab) {
            throw new IllegalArgumentException("sampleTopP: out has " + out.length + " and logits " + logits.length
                    + " elements, need R=" + R + " and R * vocab=" + (long) R * vocab);
        }
        Parallel.parallelFor(R, r -> out[r] = sampleRow(logits, r * vocab, vocab, temperature[r], topP[r], uniforms[r],
                new int[vocab], new float[vocab]));
    }

    /**
     * Order-preserving int key of a float logit: key(a) &lt; key(b) iff a &lt; b (-0 maps to +0's key).
     * Negative floats have their magnitude bits flipped so that larger magnitudes sort lower.
     */
    public static int key(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (bits == 0x80000000) bits = 0;
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }

    /**
     * The sampled id of row logits[base, base + vocab). keys and e are scratch of at least vocab
     * entries (overwritten).
     */
    static int sampleRow(float[] logits, int base, int vocab, float temperature, float topP, float u,
                         int[] keys, float[] e) {
        float xmax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) if (logits[base + j] > xmax) xmax = logits[base + j];
        if (!Float.isFinite(xmax)) {
            throw new IllegalArgumentException("sampleTopP: row at offset " + base + " has max logit " + xmax + " (need finite)");
        }
        for (int j = 0; j < vocab; j++) {
            float x = logits[base + j];
            keys[j] = key(x);
            e[j] = (float) Math.exp((x - xmax) / temperature);
        }
        double target = topP * mass(keys, e, vocab, Integer.MIN_VALUE);
        // invariant: mass(lo) >= target (lo = MIN keeps every token), mass(hi) < target (above the max: 0)
        long lo = Integer.MIN_VALUE, hi = (long) key(xmax) + 1;
        while (hi - lo > 1) {
            int mid = (int) (lo + (hi - lo) / 2);
            if (mass(keys, e, vocab, mid) >= target) lo = mid;
            else hi = mid;
        }
        int threshold = (int) lo;
        double kept = 0;
        int last = -1;
        for (int j = 0; j < vocab; j++) {
            if (keys[j] >= threshold) {
                kept += e[j];
                last = j;
            }
        }
        double draw = u * kept;
        double cum = 0;
        for (int j = 0; j < vocab; j++) {
            if (keys[j] >= threshold) {
                cum += e[j];
                if (cum > draw) return j;
            }
        }
        return last;
    }

    /** Sum of e_j over the tokens with key &gt;= threshold, in ascending id. */
    private static double mass(int[] keys, float[] e, int vocab, int threshold) {
        double s = 0;
        for (int j = 0; j < vocab; j++) if (keys[j] >= threshold) s += e[j];
        return s;
    }
}
