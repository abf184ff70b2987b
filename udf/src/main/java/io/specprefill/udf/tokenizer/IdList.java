package io.specprefill.udf.tokenizer;

import java.util.Arrays;

/** A growable int array (token ids) without boxing. Not thread-safe: one per call. */
final class IdList {
    private int[] a;
    private int n;

    IdList(int capacity) {
        a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
        a[n++] = v;
    }

    void addAll(int[] vs) {
        if (n + vs.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + vs.length));
        System.arraycopy(vs, 0, a, n, vs.length);
        n += vs.length;
    }

    int size() {
        return n;
    }

    /** The backing array; valid up to {@link #size()}. */
    int[] array() {
        return a;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
