package io.specprefill.job.eval.niah;

import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.prefill.PrefillParams;
import io.specprefill.udf.prefill.Selection;
import io.specprefill.udf.prefill.SpeculativePrefill;
import io.specprefill.udf.task.ModelCache;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code eval-niah --explain}: for every row a speculative configuration got wrong, where the asked
 * needle was (token span, chunk, the draft's rank of that chunk), where the distractor needles were,
 * which chunks were kept (with their rank and text) and what the target answered. The ranks come
 * from scoring the row again with the draft alone ({@link SpeculativePrefill#score}), the same
 * importance the selection used (design.md 4 step 5: chunk score = mean importance, top ceil(p * chunks)).
 */
public final class NiahExplain {
    private static final int SNIPPET = 80;

    private final NiahEval eval;
    private final NiahEval.Options options;
    private final Tokenizer tokenizer;

    public NiahExplain(NiahEval eval, NiahEval.Options options) {
        this.eval = eval;
        this.options = options;
        this.tokenizer = Tokenizer.load(options.target());
    }

    public void explain(List<NiahEval.Result> results, PrintStream out) {
        Map<String, Double> full = new HashMap<>();
        results.stream().filter(r -> r.config().kind() == NiahEval.Kind.TARGET_ALONE)
                .forEach(r -> r.outcomes().forEach(o -> full.put(key(o.row()), o.match())));
        for (NiahEval.Result r : results) {
            if (r.config().kind() != NiahEval.Kind.SPECULATIVE) {
                continue;
            }
            List<NiahEval.Outcome> failed = r.outcomes().stream().filter(o -> o.error() == null && o.match() < 1).toList();
            out.printf(Locale.ROOT, "%n### explain: %s: %d of %d rows wrong%n", r.config().label(), failed.size(),
                    r.outcomes().size());
            if (!failed.isEmpty()) {
                out.println(causes(failed, full));
            }
            try (SpeculativePrefill scorer = scorer(r.config())) {
                for (NiahEval.Outcome o : failed) {
                    explainRow(r.config(), o, scorer, full.get(key(o.row())), out);
                }
            }
        }
    }

    private void explainRow(NiahEval.Config c, NiahEval.Outcome o, SpeculativePrefill scorer, Double fullMatch,
                            PrintStream out) {
        int[] ids = eval.ids(o.row());
        Needles needles = eval.needles(o.row());
        int n = ids.length;
        int size = Math.max(1, options.base().prefill().chunkSize());
        int chunks = (n + size - 1) / size;
        int selected = Selection.keepCount(c.keep(), chunks);
        double[] score = Selection.chunkScores(scorer.score(List.of(ids)).get(0).importance(), n, size, chunks);
        int[] rank = ranks(score);
        out.printf(Locale.ROOT, "- %s: N=%d, %d chunks of %d, top %d selected (+ first token, last %d); answer %s, "
                + "output \"%s\"; target alone %s%n", o.row().id(), n, chunks, size, selected, options.base().prefill().keepTail(),
                o.row().answers(), oneLine(o.output()), fullMatch == null ? "not run" : fullMatch == 1 ? "right" : "wrong");
        for (int i = 0; i < needles.spans().size(); i++) {
            int[] span = needles.spans().get(i);
            int[] sentence = needles.sentences().get(i);
            out.printf(Locale.ROOT, "  asked needle number: tokens [%d, %d) = %.0f%% of the prompt, chunk %s, kept %s%n",
                    span[0], span[1], 100.0 * span[0] / n, chunkRanks(span, size, rank, selected),
                    needles.keptIn(o.kept()) ? "yes" : "no");
            out.printf(Locale.ROOT, "  its sentence: tokens [%d, %d), %d of %d kept, chunk %s%n", sentence[0],
                    sentence[1], keptCount(sentence, o.kept()), sentence[1] - sentence[0],
                    chunkRanks(sentence, size, rank, selected));
        }
        List<String> others = new ArrayList<>();
        for (int[] span : needles.allSpans()) {
            if (needles.spans().stream().noneMatch(s -> s[0] == span[0])) {
                others.add(chunkRanks(span, size, rank, selected));
            }
        }
        if (!others.isEmpty()) {
            out.println("  distractor needles: chunk " + String.join(", chunk ", others));
        }
        Integer[] order = byRank(rank);
        for (int i = 0; i < selected; i++) {
            int chunk = order[i];
            int lo = chunk * size;
            String text = tokenizer.decode(Arrays.copyOfRange(ids, lo, Math.min(n, lo + size)), true);
            out.printf(Locale.ROOT, "  kept chunk %d (rank %d, score %.3g): \"%s\"%n", chunk, i + 1, score[chunk],
                    oneLine(text));
        }
    }

    /**
     * The wrong rows by cause, in this order of precedence: the target alone got the row wrong too;
     * the asked number was not kept; the number was kept but not its whole needle sentence (the key
     * or "One of the special magic numbers" fell in a chunk that was not selected); the whole
     * sentence was kept and the target still answered wrong.
     */
    static String causes(List<NiahEval.Outcome> failed, Map<String, Double> full) {
        int[] n = new int[4];
        for (NiahEval.Outcome o : failed) {
            Double f = full.get(key(o.row()));
            n[f != null && f < 1 ? 0 : !o.needleKept() ? 1 : !o.sentenceKept() ? 2 : 3]++;
        }
        return String.format(Locale.ROOT, "causes: target alone wrong too %d; asked number not kept %d; number kept "
                + "but not its whole needle sentence %d; whole needle sentence kept %d", n[0], n[1], n[2], n[3]);
    }

    /** "20 (rank 9 of 41)" for each chunk the span touches. */
    private static String chunkRanks(int[] span, int size, int[] rank, int selected) {
        List<String> parts = new ArrayList<>();
        for (int chunk = span[0] / size; chunk <= (span[1] - 1) / size; chunk++) {
            parts.add(String.format(Locale.ROOT, "%d (rank %d of %d%s)", chunk, rank[chunk] + 1, rank.length,
                    rank[chunk] < selected ? ", selected" : ""));
        }
        return String.join(" + ", parts);
    }

    private static int keptCount(int[] span, int[] kept) {
        int count = 0;
        for (int t = span[0]; t < span[1]; t++) {
            if (Arrays.binarySearch(kept, t) >= 0) {
                count++;
            }
        }
        return count;
    }

    /** rank[chunk]: 0 for the best score; equal scores: the earlier chunk first (Selection's rule). */
    static int[] ranks(double[] score) {
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b));
        int[] rank = new int[score.length];
        for (int r = 0; r < order.length; r++) {
            rank[order[r]] = r;
        }
        return rank;
    }

    private static Integer[] byRank(int[] rank) {
        Integer[] order = new Integer[rank.length];
        for (int chunk = 0; chunk < rank.length; chunk++) {
            order[rank[chunk]] = chunk;
        }
        return order;
    }

    private SpeculativePrefill scorer(NiahEval.Config c) {
        return new SpeculativePrefill(ModelCache.model(options.draft(), Backends.choose(options.base().backend(), -1)),
                new PrefillParams(c.keep(), options.base().prefill().chunkSize(), options.base().prefill().poolKernel(),
                        c.lookahead(), options.base().prefill().keepTail()));
    }

    private static String key(NiahRow row) {
        return row.file() + "/" + row.id();
    }

    private static String oneLine(String text) {
        String s = text == null ? "" : text.replace("\n", "\\n");
        return s.length() > SNIPPET ? s.substring(0, SNIPPET - 3) + "..." : s;
    }
}
