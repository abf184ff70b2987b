package io.specprefill.job.eval.ruler;

/**
 * The eight niah tasks of RULER's synthetic.yaml: haystack kind, key and value kinds, and the
 * numbers of keys (k), values per key (v) and queried keys (q). RULER raises k to q.
 */
public enum NiahVariant {
    NIAH_SINGLE_1(Haystack.NOISE, Kind.WORDS, Kind.NUMBERS, 1, 1, 1),
    NIAH_SINGLE_2(Haystack.ESSAY, Kind.WORDS, Kind.NUMBERS, 1, 1, 1),
    NIAH_SINGLE_3(Haystack.ESSAY, Kind.WORDS, Kind.UUIDS, 1, 1, 1),
    NIAH_MULTIKEY_1(Haystack.ESSAY, Kind.WORDS, Kind.NUMBERS, 4, 1, 1),
    NIAH_MULTIKEY_2(Haystack.NEEDLE, Kind.WORDS, Kind.NUMBERS, 1, 1, 1),
    NIAH_MULTIKEY_3(Haystack.NEEDLE, Kind.UUIDS, Kind.UUIDS, 1, 1, 1),
    NIAH_MULTIVALUE(Haystack.ESSAY, Kind.WORDS, Kind.NUMBERS, 1, 4, 1),
    NIAH_MULTIQUERY(Haystack.ESSAY, Kind.WORDS, Kind.NUMBERS, 4, 1, 4);

    /** noise: the repeated noise sentence; essay: Paul Graham essays; needle: distractor needles. */
    public enum Haystack { NOISE, ESSAY, NEEDLE }

    /** The kind of a key or value, named as RULER's type_needle_k / type_needle_v ("numbers", ...). */
    public enum Kind {
        NUMBERS, WORDS, UUIDS;

        String rulerName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public final Haystack haystack;
    public final Kind keys;
    public final Kind values;
    public final int numKeys;
    public final int numValues;
    public final int numQueries;

    NiahVariant(Haystack haystack, Kind keys, Kind values, int numKeys, int numValues, int numQueries) {
        this.haystack = haystack;
        this.keys = keys;
        this.values = values;
        this.numKeys = Math.max(numKeys, numQueries);
        this.numValues = numValues;
        this.numQueries = numQueries;
    }

    /** RULER's task name, e.g. niah_single_1. */
    public String taskName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
