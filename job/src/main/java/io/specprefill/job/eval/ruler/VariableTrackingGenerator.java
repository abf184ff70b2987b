package io.specprefill.job.eval.ruler;

import io.specprefill.job.eval.PyFormat;
import io.specprefill.job.eval.PyText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * RULER's variable_tracking.py with synthetic.yaml's settings: one chain of four hops
 * ("VAR ABCDE = 12345", "VAR FGHIJ = VAR ABCDE ", ...) hidden among noise lines; the answer is
 * the chain's five variable names. One in-context example (three-letter names, value 12345,
 * built for 500 tokens without the model template) is re-randomized for every row and put
 * before the task text.
 */
public final class VariableTrackingGenerator implements RulerGenerator {
    static final int NUM_CHAINS = 1;
    static final int NUM_HOPS = 4;
    private static final int ICL_MAX_SEQ_LENGTH = 500;
    private static final String ICL_VALUE = "12345";

    private final RulerTemplates.Task task;
    private final String template;
    private final String bareTemplate;
    private final String noise;
    private final ToIntFunction<String> tokens;
    private final RulerRandom rnd;

    /** A generated prompt (answer prefix included) and the variable names. */
    record Generated(String text, List<String> answers) {
    }

    public VariableTrackingGenerator(RulerTemplates templates, String modelTemplate, ToIntFunction<String> tokens,
                                     long seed) {
        this.task = templates.task("variable_tracking");
        this.template = templates.fullTemplate(task, modelTemplate);
        this.bareTemplate = task.template() + task.answerPrefix();
        this.noise = templates.noiseHaystack();
        this.tokens = tokens;
        this.rnd = new RulerRandom(seed);
    }

    @Override
    public List<RulerSample> generate(int maxSeqLength, int numSamples) {
        Generated icl = iclExample();
        String iclText = icl.text() + " " + String.join(" ", icl.answers()) + "\n";
        int exampleTokens = tokens.applyAsInt(iclText);
        int ttg = task.tokensToGenerate();
        int incremental = maxSeqLength < 4096 ? 5 : 10;
        int sampleTokens = tokens.applyAsInt(generateInputOutput(incremental, false).text());
        int size = HaystackSearch.largestFitting(incremental, maxSeqLength, 3.0,
                n -> tokens.applyAsInt(generateInputOutput(n, false).text()) + exampleTokens + ttg, sampleTokens);
        String cutoffKey = task.template().substring(0, Math.min(20, task.template().length()));
        List<RulerSample> out = new ArrayList<>(numSamples);
        for (int i = 0; i < numSamples; i++) {
            out.add(HaystackSearch.fit(size, incremental, maxSeqLength, n -> {
                Generated g = generateInputOutput(n, false);
                int cutoff = g.text().indexOf(cutoffKey);
                String text = g.text().substring(0, cutoff) + randomizeIcl(iclText) + "\n" + g.text().substring(cutoff);
                return RulerSample.split(text, task.answerPrefix(), g.answers(), tokens.applyAsInt(text) + ttg);
            }, "variable_tracking"));
        }
        return out;
    }

    /** The in-context example: RULER's first pass, 500 tokens, no tokens to generate, is_icl on. */
    private Generated iclExample() {
        int incremental = 5;
        int sampleTokens = tokens.applyAsInt(generateInputOutput(incremental, true).text());
        int size = HaystackSearch.largestFitting(incremental, ICL_MAX_SEQ_LENGTH, 3.0,
                n -> tokens.applyAsInt(generateInputOutput(n, true).text()), sampleTokens);
        Generated[] last = new Generated[1];
        HaystackSearch.fit(size, incremental, ICL_MAX_SEQ_LENGTH, n -> {
            last[0] = generateInputOutput(n, true);
            return new RulerSample(last[0].text(), "", last[0].answers(), tokens.applyAsInt(last[0].text()));
        }, "variable_tracking in-context example");
        return last[0];
    }

    /** generate_input_output(num_noises, num_chains, num_hops, is_icl). */
    Generated generateInputOutput(int numNoises, boolean icl) {
        List<List<String>> vars = new ArrayList<>();
        List<List<String>> chains = generateChains(icl, vars);
        String chainStart = chains.get(0).get(0);
        String value = PyText.strip(chainStart.substring(chainStart.lastIndexOf('=') + 1));
        List<String> sentences = new ArrayList<>(Collections.nCopies(numNoises, noise));
        for (List<String> chain : chains) {
            List<Integer> positions = new ArrayList<>(rnd.sampleIndices(sentences.size(), chain.size()));
            Collections.sort(positions);
            for (int j = 0; j < chain.size(); j++) {
                sentences.add(positions.get(j) + j, chain.get(j));
            }
        }
        String context = String.join("\n", sentences).replace(". \n", ".\n");
        String t = icl && !template.equals(bareTemplate) ? bareTemplate : template;
        String text = PyFormat.format(t, Map.of("context", context, "query", value,
                "num_v", Integer.toString(NUM_HOPS + 1)), "variable_tracking template");
        return new Generated(text, vars.get(0));
    }

    /**
     * generate_chains: names of 5 (example: 3) random capitals, distinct (RULER draws extra names
     * when some repeat, then slices its list unchanged; here a repeat is redrawn); the first
     * value is a random 5-digit number (example: 12345).
     */
    private List<List<String>> generateChains(boolean icl, List<List<String>> varsOut) {
        int k = icl ? 3 : 5;
        int hops = icl ? Math.min(10, NUM_HOPS) : NUM_HOPS;
        List<List<String>> chains = new ArrayList<>();
        HashSet<String> seen = new HashSet<>();
        for (int c = 0; c < NUM_CHAINS; c++) {
            List<String> vars = new ArrayList<>();
            while (vars.size() < hops + 1) {
                String v = rnd.uppercase(k);
                if (seen.add(v)) {
                    vars.add(v);
                }
            }
            List<String> chain = new ArrayList<>();
            chain.add("VAR " + vars.get(0) + " = " + (icl ? ICL_VALUE : Integer.toString(rnd.randint(10000, 99998))));
            for (int j = 0; j < hops; j++) {
                chain.add("VAR " + vars.get(j + 1) + " = VAR " + vars.get(j) + " ");
            }
            varsOut.add(vars);
            chains.add(chain);
        }
        return chains;
    }

    /** randomize_icl: new names of the same lengths for the example's answer, a new value for 12345. */
    private String randomizeIcl(String iclText) {
        List<String> words = PyText.split(PyText.strip(iclText));
        String out = iclText;
        for (String item : words.subList(Math.max(0, words.size() - NUM_HOPS - 1), words.size())) {
            out = out.replace(item, rnd.uppercase(item.length()));
        }
        return out.replace(ICL_VALUE, Integer.toString(rnd.randint(10000, 99998)));
    }
}
