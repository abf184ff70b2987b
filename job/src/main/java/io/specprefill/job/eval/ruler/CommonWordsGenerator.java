package io.specprefill.job.eval.ruler;

import io.specprefill.job.eval.PyFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * RULER's common_words_extraction.py: a numbered list where 10 words appear 30 times and the
 * others 3 times (below 4096 tokens: 6 and 1), after one solved example of 40 words (10/3;
 * below 4096: 20 words, 3/1). Words come from wonderwords' nouns, adjectives and verbs (sorted,
 * de-duplicated, shuffled with a fresh Random(seed)); RULER switches to english_words.json when
 * a length needs more distinct words, which must then be in the data folder.
 */
public final class CommonWordsGenerator implements RulerGenerator {
    static final int FREQ_CW = 30;
    static final int FREQ_UCW = 3;
    static final int NUM_CW = 10;
    private static final int INCREMENTAL = 10;
    /** RULER estimates tokens per word from one list of this many words. */
    private static final int ESTIMATE_WORDS = 4096;

    private final RulerTemplates.Task task;
    private final String template;
    private final List<String> words;
    private final List<String> englishWords;
    private final ToIntFunction<String> tokens;
    private final RulerRandom rnd;
    private final long seed;

    /** A generated prompt (answer prefix included) and the common words. */
    record Generated(String text, List<String> answers) {
    }

    public CommonWordsGenerator(RulerTemplates templates, String modelTemplate, RulerData data,
                                ToIntFunction<String> tokens, long seed) {
        this.task = templates.task("common_words_extraction");
        this.template = templates.fullTemplate(task, modelTemplate);
        List<String> all = new ArrayList<>(data.wordList("nounlist.txt"));
        all.addAll(data.wordList("adjectivelist.txt"));
        all.addAll(data.wordList("verblist.txt"));
        this.words = RulerData.sortedUnique(all);
        RulerRandom.shuffleWithFreshSeed(this.words, seed);
        this.englishWords = data.englishWords();
        this.tokens = tokens;
        this.rnd = new RulerRandom(seed);
        this.seed = seed;
    }

    /** The most distinct words a list can have: wonderwords, or english_words.json when present. */
    int pool() {
        return Math.max(words.size(), englishWords.size());
    }

    @Override
    public List<RulerSample> generate(int maxSeqLength, int numSamples) {
        int ttg = task.tokensToGenerate();
        if (pool() < ESTIMATE_WORDS) {
            throw new IllegalArgumentException("common_words_extraction needs at least " + ESTIMATE_WORDS
                    + " distinct words in the word lists (RULER's estimate uses that many); the data folder has " + pool());
        }
        double tokensPerWord = tokens.applyAsInt(generateInputOutput(ESTIMATE_WORDS, maxSeqLength).text())
                / (double) ESTIMATE_WORDS;
        int estimatedMax = (int) Math.floor(maxSeqLength / tokensPerWord) * 2;
        int lower = INCREMENTAL;
        int upper = Math.max(estimatedMax, INCREMENTAL * 2);
        Integer best = null;
        while (lower <= upper) {
            int mid = (lower + upper) >>> 1;
            // More words than the pool holds cannot be drawn: treat as too long, and check below.
            boolean fits = mid <= pool()
                    && tokens.applyAsInt(generateInputOutput(mid, maxSeqLength).text()) + ttg <= maxSeqLength;
            if (fits) {
                best = mid;
                lower = mid + 1;
            } else {
                upper = mid - 1;
            }
        }
        int size = best == null ? INCREMENTAL : best;
        if (size == pool()) {
            throw new IllegalArgumentException("common_words_extraction at " + maxSeqLength + " tokens needs more than the "
                    + pool() + " distinct words available; put RULER's english_words.json in the data folder");
        }
        List<RulerSample> out = new ArrayList<>(numSamples);
        for (int i = 0; i < numSamples; i++) {
            out.add(HaystackSearch.fit(size, INCREMENTAL, maxSeqLength, n -> {
                Generated g = generateInputOutput(n, maxSeqLength);
                return RulerSample.split(g.text(), task.answerPrefix(), g.answers(), tokens.applyAsInt(g.text()) + ttg);
            }, "common_words_extraction"));
        }
        return out;
    }

    /** generate_input_output(num_words): one solved example, a newline, then the task. */
    Generated generateInputOutput(int numWords, int maxSeqLength) {
        boolean short4k = maxSeqLength < 4096;
        Example shot = short4k ? example(20, 3, 1) : example(40, 10, 3);
        Example main = short4k ? example(numWords, 6, 1) : example(numWords, FREQ_CW, FREQ_UCW);
        String fewShot = format(shot.context()) + " " + numbered(shot.common());
        return new Generated(fewShot + "\n" + format(main.context()), main.common());
    }

    private record Example(String context, List<String> common) {
    }

    /** get_example: common words repeated commonRepeats times, the rest uncommonRepeats, shuffled, numbered. */
    private Example example(int numWords, int commonRepeats, int uncommonRepeats) {
        List<String> full = rnd.sample(numWords <= words.size() ? words : englishWords, numWords);
        List<String> common = full.subList(0, NUM_CW);
        List<String> uncommon = full.subList(NUM_CW, full.size());
        List<String> list = new ArrayList<>();
        for (int r = 0; r < commonRepeats; r++) {
            list.addAll(common);
        }
        for (int r = 0; r < uncommonRepeats; r++) {
            list.addAll(uncommon);
        }
        RulerRandom.shuffleWithFreshSeed(list, seed);
        return new Example(numbered(list), List.copyOf(common));
    }

    private static String numbered(List<String> list) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            sb.append(i == 0 ? "" : " ").append(i + 1).append(". ").append(list.get(i));
        }
        return sb.toString();
    }

    private String format(String context) {
        return PyFormat.format(template, Map.of("num_cw", Integer.toString(NUM_CW), "context", context, "query", ""),
                "common_words_extraction template");
    }
}
