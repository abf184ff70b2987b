package io.specprefill.job.eval.ruler;

import io.specprefill.job.eval.PyFormat;
import io.specprefill.job.eval.ruler.NiahVariant.Haystack;
import io.specprefill.job.eval.ruler.NiahVariant.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * RULER's niah.py: needles "One of the special magic {type} for {key} is: {value}." hidden in a
 * noise, essay or distractor-needle haystack, sized by binary search to the requested length.
 * Constants as in RULER: 7-digit numbers, adjective-noun keys, uuid4 values, needle depths
 * round(linspace(0, 100, 40)) % of the essay's sentences, haystack steps of 500 essay words or
 * 25 noise/needle lines (5 below 4096 tokens), needles shuffled with a fresh Random(seed).
 */
public final class NiahGenerator implements RulerGenerator {
    /** np.round(np.linspace(0, 100, num=40)).astype(int). */
    static final int[] DEPTHS = depths();

    private final NiahVariant variant;
    private final RulerTemplates.Task task;
    private final String template;
    private final RulerData data;
    private final ToIntFunction<String> tokens;
    private final RulerRandom rnd;
    private final long seed;
    /** The noise sentence (noise haystacks only). */
    private final String noise;
    private List<String> adjectives;
    private List<String> nouns;

    /** A generated prompt (answer prefix included) and its answers. */
    record Generated(String text, List<String> answers) {
    }

    public NiahGenerator(NiahVariant variant, RulerTemplates templates, String modelTemplate, RulerData data,
                         ToIntFunction<String> tokens, long seed) {
        this.variant = variant;
        this.task = templates.task("niah");
        this.template = templates.fullTemplate(task, modelTemplate);
        this.data = data;
        this.tokens = tokens;
        this.rnd = new RulerRandom(seed);
        this.seed = seed;
        this.noise = variant.haystack == Haystack.NOISE ? templates.noiseHaystack() : null;
    }

    private static int[] depths() {
        int[] d = new int[40];
        for (int i = 0; i < 40; i++) {
            d[i] = (int) Math.rint(i * (100.0 / 39));
        }
        return d;
    }

    @Override
    public List<RulerSample> generate(int maxSeqLength, int numSamples) {
        int ttg = task.tokensToGenerate();
        int incremental = variant.haystack == Haystack.ESSAY ? 500 : maxSeqLength < 4096 ? 5 : 25;
        int sampleTokens = tokens.applyAsInt(generateInputOutput(incremental).text());
        int size = HaystackSearch.largestFitting(incremental, maxSeqLength, 3.0,
                n -> tokens.applyAsInt(generateInputOutput(n).text()) + ttg, sampleTokens);
        List<RulerSample> out = new ArrayList<>(numSamples);
        for (int i = 0; i < numSamples; i++) {
            out.add(HaystackSearch.fit(size, incremental, maxSeqLength, n -> {
                Generated g = generateInputOutput(n);
                return RulerSample.split(g.text(), task.answerPrefix(), g.answers(), tokens.applyAsInt(g.text()) + ttg);
            }, variant.taskName()));
        }
        return out;
    }

    /** generate_input_output(num_haystack): the full prompt and the answers of the queried keys. */
    Generated generateInputOutput(int numHaystack) {
        List<String> keys = new ArrayList<>();
        List<List<String>> values = new ArrayList<>();
        List<String> needles = new ArrayList<>();
        for (int k = 0; k < variant.numKeys; k++) {
            keys.add(random(variant.keys));
            List<String> v = new ArrayList<>();
            for (int j = 0; j < variant.numValues; j++) {
                v.add(random(variant.values));
                needles.add(needle(keys.get(k), v.get(j)));
            }
            values.add(v);
        }
        RulerRandom.shuffleWithFreshSeed(needles, seed);
        String context = variant.haystack == Haystack.ESSAY ? essayContext(numHaystack, needles)
                : lineContext(numHaystack, needles);
        List<Integer> indices = rnd.sampleIndices(variant.numKeys, variant.numQueries);
        List<String> queries = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (int i : indices) {
            queries.add(keys.get(i));
            answers.addAll(values.get(i));
        }
        String query = queries.size() > 1
                ? String.join(", ", queries.subList(0, queries.size() - 1)) + ", and " + queries.get(queries.size() - 1)
                : queries.get(0);
        String t = template;
        String typeV = variant.values.rulerName();
        if (variant.numQueries * variant.numValues == 1) {
            t = t.replace("Some", "A").replace("are all", "is").replace("are", "is").replace("answers", "answer");
            typeV = typeV.substring(0, typeV.length() - 1);
        }
        String text = PyFormat.format(t, Map.of("type_needle_v", typeV, "context", context, "query", query),
                "niah template");
        return new Generated(text, answers);
    }

    private String needle(String key, String value) {
        return PyFormat.format(task.needle(), Map.of("type_needle_v", variant.values.rulerName(), "key", key,
                "value", value), "niah needle");
    }

    /** Essay: the first N words (repeated past the end), needles inserted at sampled sentence depths. */
    private String essayContext(int numHaystack, List<String> needles) {
        List<String> words = data.essayWords();
        List<String> head = new ArrayList<>(numHaystack);
        for (int i = 0; i < numHaystack; i++) {
            head.add(words.get(i % words.size()));
        }
        List<String> sents = Sentences.split(String.join(" ", head).strip());
        List<Integer> positions = new ArrayList<>();
        for (int i : rnd.sampleIndices(DEPTHS.length, needles.size())) {
            positions.add((int) (sents.size() * (DEPTHS[i] / 100.0)));
        }
        Collections.sort(positions);
        positions.add(0, 0);
        positions.add(sents.size());
        List<String> parts = new ArrayList<>();
        for (int i = 1; i < positions.size(); i++) {
            parts.add(String.join(" ", sents.subList(positions.get(i - 1), positions.get(i))));
            if (i - 1 < needles.size()) {
                parts.add(needles.get(i - 1));
            }
        }
        return String.join(" ", parts);
    }

    /** Noise or distractor-needle lines, needles inserted at sampled line indexes, joined by newlines. */
    private String lineContext(int numHaystack, List<String> needles) {
        List<String> lines = new ArrayList<>(numHaystack + needles.size());
        for (int i = 0; i < numHaystack; i++) {
            lines.add(variant.haystack == Haystack.NOISE ? noise : needle(random(variant.keys), random(variant.values)));
        }
        List<Integer> indexes = new ArrayList<>(rnd.sampleIndices(numHaystack, needles.size()));
        indexes.sort(Collections.reverseOrder());
        for (int i = 0; i < needles.size(); i++) {
            lines.add(indexes.get(i), needles.get(i));
        }
        return String.join("\n", lines);
    }

    private String random(Kind kind) {
        switch (kind) {
            case NUMBERS:
                return Integer.toString(rnd.randint(1_000_000, 9_999_999));
            case UUIDS:
                return rnd.uuid4();
            case WORDS:
                if (adjectives == null) {
                    adjectives = RulerData.sortedUnique(data.wordList("adjectivelist.txt"));
                    nouns = RulerData.sortedUnique(data.wordList("nounlist.txt"));
                }
                // A uniform adjective-noun pair; RULER lists all 6M "adj-noun" strings and picks one.
                return rnd.choice(adjectives) + "-" + rnd.choice(nouns);
            default:
                throw new AssertionError(kind);
        }
    }
}
