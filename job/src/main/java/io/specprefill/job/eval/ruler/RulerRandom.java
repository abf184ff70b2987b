package io.specprefill.job.eval.ruler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * The random draws RULER's generators make with Python's {@code random} module, on a seeded
 * {@link java.util.Random}: the same kinds of draws in the same order, so a seed gives the same
 * rows on every machine. The numbers differ from Python's Mersenne Twister, so rows are
 * RULER-like, not RULER's own.
 */
final class RulerRandom {
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";

    private final Random random;

    RulerRandom(long seed) {
        this.random = new Random(seed);
    }

    /** random.randint(lo, hi): inclusive of both ends. */
    int randint(int lo, int hi) {
        return lo + random.nextInt(hi - lo + 1);
    }

    /** random.random(). */
    double random() {
        return random.nextDouble();
    }

    /** random.choice(list). */
    <T> T choice(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    /** random.sample(range(n), k): k distinct indices in random order. */
    List<Integer> sampleIndices(int n, int k) {
        if (k > n || k < 0) {
            throw new IllegalArgumentException("cannot sample " + k + " of " + n + " items");
        }
        List<Integer> out = new ArrayList<>(k);
        if (k * 4L < n) {
            Set<Integer> seen = new HashSet<>();
            while (out.size() < k) {
                int i = random.nextInt(n);
                if (seen.add(i)) {
                    out.add(i);
                }
            }
            return out;
        }
        List<Integer> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        for (int i = 0; i < k; i++) {
            Collections.swap(all, i, i + random.nextInt(n - i));
            out.add(all.get(i));
        }
        return out;
    }

    /** random.sample(population, k). */
    <T> List<T> sample(List<T> population, int k) {
        List<T> out = new ArrayList<>(k);
        for (int i : sampleIndices(population.size(), k)) {
            out.add(population.get(i));
        }
        return out;
    }

    /** ''.join(random.choices(string.ascii_uppercase, k=k)). */
    String uppercase(int k) {
        return letters(UPPER, k);
    }

    /** ''.join(random.choices(string.ascii_lowercase, k=k)). */
    String lowercase(int k) {
        return letters(LOWER, k);
    }

    private String letters(String alphabet, int k) {
        StringBuilder sb = new StringBuilder(k);
        for (int i = 0; i < k; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** str(uuid.UUID(int=random.getrandbits(128), version=4)). */
    String uuid4() {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
        return new UUID(msb, lsb).toString();
    }

    /**
     * random.Random(seed).shuffle(list): RULER reseeds a fresh generator for these shuffles, so the
     * permutation depends only on the seed and the list's length.
     */
    static <T> void shuffleWithFreshSeed(List<T> list, long seed) {
        Collections.shuffle(list, new Random(seed));
    }
}
