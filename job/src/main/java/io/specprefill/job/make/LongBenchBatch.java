package io.specprefill.job.make;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.job.eval.PyFormat;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code specprefill make-batch}: a LongBench-shaped batch of long prompts whose lengths, in the
 * target's tokens, spread evenly over [min, max], made from the LongBench rows of a folder (whose
 * contexts are far shorter): prompt i asks question i's {@code input} over a context of LongBench
 * contexts joined with blank lines, its own context among them at a seeded place, the others in a
 * seeded order and repeated when they run out, the last one cut to fit. Each prompt is LongBench's
 * template for the question's dataset ({@code config/dataset2prompt.json} of the folder) where there
 * is one, else {@link #GENERIC_TEMPLATE}.
 *
 * <p>Lengths are exact: N = the ids of the whole prompt as the job counts them (tokenizer.json with
 * its BOS post-processor, no chat template) equals the target length, up to a token where a cut
 * cannot land on it (the report says so). The rows are deterministic for a seed and come out in a
 * seeded order, not sorted by length.
 */
public final class LongBenchBatch {
    /** For rows whose dataset has no LongBench template (Python format fields). */
    public static final String GENERIC_TEMPLATE = "Read the following text and answer briefly.\n\n{context}\n\n"
            + "Now, answer the question based on the text above.\n\nQuestion: {input}\nAnswer:";
    private static final String SEPARATOR = "\n\n";
    private static final int MAX_ROUNDS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private LongBenchBatch() {
    }

    /** @param templates LongBench's dataset2prompt.json (or a folder with it); null: data/config/ when present */
    public record Options(Path data, int count, int minTokens, int maxTokens, int maxNewTokens, long seed,
                          Path out, Path templates) {
    }

    /** One LongBench row and its context's ids (no BOS). */
    record Source(String id, String dataset, String context, String input, List<String> answers, int[] contextIds) {
    }

    /** One prompt of the batch: N = {@code tokens}, aimed at {@code target}. */
    public record Prompt(String id, String dataset, String prompt, int tokens, int target, String question,
                         List<String> answers) {
    }

    /** Makes the batch (progress to {@code log}). */
    public static List<Prompt> make(Options o, Tokenizer tok, PrintStream log) {
        List<Source> sources = read(o.data(), tok);
        Map<String, String> templates = templates(o.templates() != null ? o.templates() : o.data().resolve("config"));
        long contextTokens = sources.stream().mapToLong(s -> s.contextIds().length).sum();
        log.printf(Locale.ROOT, "make-batch: %d LongBench rows (%d context tokens) from %s, %s templates%n",
                sources.size(), contextTokens, o.data(), templates.isEmpty() ? "generic" : "LongBench's");
        Random order = new Random(o.seed());
        List<Integer> questions = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) questions.add(i);
        Collections.shuffle(questions, order);
        List<Prompt> out = new ArrayList<>(o.count());
        for (int i = 0; i < o.count(); i++) {
            int target = o.count() == 1 ? o.minTokens()
                    : (int) Math.round(o.minTokens() + (o.maxTokens() - o.minTokens()) * (double) i / (o.count() - 1));
            Source q = sources.get(questions.get(i % questions.size()));
            String template = templates.getOrDefault(q.dataset(), GENERIC_TEMPLATE);
            out.add(prompt(String.format(Locale.ROOT, "lb-%0" + digits(o.count()) + "d", i), q, template, target,
                    sources, new Random(o.seed() * 1_000_003L + i), tok));
        }
        Collections.shuffle(out, order);
        int off = 0;
        for (Prompt p : out) off += p.tokens() != p.target() ? 1 : 0;
        log.printf(Locale.ROOT, "make-batch: %d prompts, %d to %d tokens (%d off target by a token or two)%n",
                out.size(), out.stream().mapToInt(Prompt::tokens).min().orElse(0),
                out.stream().mapToInt(Prompt::tokens).max().orElse(0), off);
        return out;
    }

    /**
     * One prompt of {@code target} tokens: context pieces fill the budget (the target minus the
     * template and question), then the last cut is moved by the measured difference until the
     * whole prompt's ids count exactly {@code target} (merges at the seams shift it by a token or two).
     */
    static Prompt prompt(String id, Source q, String template, int target, List<Source> sources, Random rnd,
                         Tokenizer tok) {
        String what = "template of " + q.dataset();
        int overhead = tok.encode(PyFormat.format(template, Map.of("context", "", "input", q.input()), what), true).length;
        List<Source> others = new ArrayList<>(sources);
        others.remove(q);
        Collections.shuffle(others, rnd);
        double ownAt = rnd.nextDouble();
        int budget = target - overhead;
        String text = null;
        int n = -1;
        for (int round = 0; round < MAX_ROUNDS && n != target; round++) {
            String context = context(q, others, ownAt, budget, tok);
            text = PyFormat.format(template, Map.of("context", context, "input", q.input()), what);
            n = tok.encode(text, true).length;
            if (n == target) break;
            budget += target - n;
        }
        return new Prompt(id, q.dataset(), text, n, target, q.id(), q.answers());
    }

    /** Pieces (own context at fraction ownAt) of about {@code budget} ids, joined by blank lines, the last cut. */
    private static String context(Source own, List<Source> others, double ownAt, int budget, Tokenizer tok) {
        List<String> pieces = new ArrayList<>();
        int room = budget - own.contextIds().length;
        if (room < 0 || others.isEmpty()) return cut(own.contextIds(), Math.max(0, budget), tok);
        for (int k = 0; room > 0; k++) {
            Source s = others.get(k % others.size());
            int need = s.contextIds().length + 1;   // + the separator, about one id
            if (need <= room) {
                pieces.add(s.context());
                room -= need;
            } else {
                if (room > 1) pieces.add(cut(s.contextIds(), room - 1, tok));
                room = 0;
            }
        }
        pieces.add((int) Math.round(ownAt * pieces.size()), own.context());
        return String.join(SEPARATOR, pieces);
    }

    /** The text of the first {@code n} ids (decoded whole, so a cut never splits a character's bytes badly). */
    private static String cut(int[] ids, int n, Tokenizer tok) {
        return tok.decode(Arrays.copyOf(ids, Math.min(n, ids.length)), false).replace("\uFFFD", "");
    }

    /** The LongBench rows (context and input) of every *.jsonl file directly in {@code dir}. */
    static List<Source> read(Path dir, Tokenizer tok) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--data " + dir + " is not a folder");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        List<Source> out = new ArrayList<>();
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(f + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) continue;
                JsonNode row = parse(lines.get(i), f, i);
                if (!row.path("context").isTextual() || !row.path("input").isTextual()) continue;
                String context = row.get("context").asText();
                if (context.isBlank()) continue;
                List<String> answers = new ArrayList<>();
                row.path("answers").forEach(a -> answers.add(a.asText()));
                String id = row.path("_id").asText(row.path("id").asText(f.getFileName() + ":" + (i + 1)));
                out.add(new Source(id, row.path("dataset").asText("longbench"), context, row.get("input").asText(),
                        answers, tok.encode(context, false)));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--data " + dir + ": no LongBench rows (JSONL lines with 'context' and"
                    + " 'input') in " + files.size() + " *.jsonl file(s)");
        }
        return out;
    }

    private static JsonNode parse(String line, Path f, int i) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException(f + ": line " + (i + 1) + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** dataset -> template from dataset2prompt.json (the file or its folder); empty when there is none. */
    static Map<String, String> templates(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("dataset2prompt.json") : path;
        if (!Files.isRegularFile(file)) return Map.of();
        try {
            return JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a JSON object of templates: " + e.getMessage(), e);
        }
    }

    /** Writes the batch as job input: id, prompt, dataset, answers, length (= N), max_new_tokens, question. */
    public static void write(List<Prompt> prompts, Path out, int maxNewTokens) {
        try {
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                for (Prompt p : prompts) {
                    ObjectNode row = JSON.createObjectNode();
                    row.put("id", p.id());
                    row.put("prompt", p.prompt());
                    row.put("dataset", p.dataset());
                    row.set("answers", JSON.valueToTree(p.answers()));
                    row.put("length", p.tokens());
                    row.put("max_new_tokens", maxNewTokens);
                    row.put("question", p.question());
                    w.write(JSON.writeValueAsString(row));
                    w.newLine();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static int digits(int count) {
        return Math.max(2, String.valueOf(count - 1).length());
    }
}
