package io.specprefill.job.eval.ruler;

import io.specprefill.job.eval.PyFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * RULER's freq_words_extraction.py: random 6-letter "coded words" with Zipf counts
 * int(N k^-2 / zeta(2)) (vocabulary of (length - 50) // 50 words, the top-ranked one replaced by
 * "..." as noise); the answer is the words of ranks 2 to 4. The word count N grows from
 * length // 6 in steps of length // 32 until the text reaches the length, then steps back once.
 */
public final class FreqWordsGenerator implements RulerGenerator {
    static final double ALPHA = 2.0;
    static final int CODED_WORDLEN = 6;
    /** zeta(2) = pi^2 / 6, the normaliser of RULER's Zipf counts at alpha 2. */
    static final double ZETA_ALPHA = Math.PI * Math.PI / 6;

    private final RulerTemplates.Task task;
    private final String template;
    private final ToIntFunction<String> tokens;
    private final RulerRandom rnd;
    private final long seed;

    /** A generated prompt (answer prefix included), the answer and the word count used. */
    record Generated(String text, List<String> answers, int numWords) {
    }

    public FreqWordsGenerator(RulerTemplates templates, String modelTemplate, ToIntFunction<String> tokens, long seed) {
        this.task = templates.task("freq_words_extraction");
        this.template = templates.fullTemplate(task, modelTemplate);
        this.tokens = tokens;
        this.rnd = new RulerRandom(seed);
        this.seed = seed;
    }

    @Override
    public List<RulerSample> generate(int maxSeqLength, int numSamples) {
        int ttg = task.tokensToGenerate();
        int maxLen = maxSeqLength - ttg;
        int vocabSize = maxLen / 50;
        int incremental = maxLen / 32;
        if (vocabSize < 4 || incremental < 1) {
            throw new IllegalArgumentException("freq_words_extraction needs a length of at least " + (200 + ttg)
                    + " tokens (a vocabulary of 4 words), got " + maxSeqLength);
        }
        int numWords = generateInputOutput(maxLen, -1, vocabSize, incremental).numWords();
        List<RulerSample> out = new ArrayList<>(numSamples);
        for (int i = 0; i < numSamples; i++) {
            Generated g = generateInputOutput(maxLen, numWords, vocabSize, incremental);
            out.add(RulerSample.split(g.text(), task.answerPrefix(), g.answers(), tokens.applyAsInt(g.text()) + ttg));
        }
        return out;
    }

    /** generate_input_output(max_len, num_words, ...): a fresh vocabulary, then the text sized to max_len. */
    Generated generateInputOutput(int maxLen, int numWords, int vocabSize, int incremental) {
        List<String> vocab = new ArrayList<>();
        HashSet<String> distinct = new HashSet<>();
        while (distinct.size() < vocabSize) {
            String w = rnd.lowercase(CODED_WORDLEN);
            vocab.add(w);
            distinct.add(w);
        }
        vocab = RulerData.sortedUnique(vocab);
        RulerRandom.shuffleWithFreshSeed(vocab, seed);
        vocab.set(0, "...");
        int n = numWords;
        String text;
        if (n > 0) {
            text = text(vocab, n);
            while (tokens.applyAsInt(text) > maxLen) {
                n -= incremental;
                text = text(vocab, n);
            }
        } else {
            n = maxLen / CODED_WORDLEN;
            text = text(vocab, n);
            while (tokens.applyAsInt(text) < maxLen) {
                n += incremental;
                text = text(vocab, n);
            }
            n -= incremental;
        }
        return new Generated(text(vocab, n), List.copyOf(vocab.subList(1, 4)), n);
    }

    /** gen_text: word k (1-based rank) repeated int(n k^-alpha / zeta(alpha)) times, shuffled with Random(seed). */
    private String text(List<String> vocab, int n) {
        List<String> sampled = new ArrayList<>();
        for (int k = 1; k <= vocab.size(); k++) {
            int count = (int) (n * Math.pow(k, -ALPHA) / ZETA_ALPHA);
            for (int c = 0; c < count; c++) {
                sampled.add(vocab.get(k - 1));
            }
        }
        RulerRandom.shuffleWithFreshSeed(sampled, seed);
        return PyFormat.format(template, Map.of("context", String.join(" ", sampled), "query", ""),
                "freq_words_extraction template");
    }
}
