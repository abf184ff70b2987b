package io.specprefill.job.cli;

import io.specprefill.job.config.Command;
import io.specprefill.job.config.Flags;
import io.specprefill.job.config.Flags.UsageException;
import io.specprefill.job.make.ModelMaker;
import io.specprefill.udf.model.CheckpointWriter;
import io.specprefill.udf.model.DType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code specprefill make-model --shape NAME --out DIR}: a Hugging Face model directory of a real
 * model's shape with random weights ({@link ModelMaker}), for performance runs without a download.
 */
public final class MakeModelCommand {
    private MakeModelCommand() {
    }

    static final String USAGE = String.join("\n",
            "usage: specprefill make-model --shape NAME --out DIR [--tokenizer FILE] [--dtype bf16] [--seed 0]",
            "                              [--std 0.02] [--set KEY=VALUE ...] [--max-shard-size 5GB] [--threads N] [--force]",
            "  --shape NAME          one of " + String.join(", ", ModelMaker.shapes()),
            "  --out DIR             the model directory to write (must be empty or absent, unless --force)",
            "  --tokenizer FILE      a tokenizer.json (or a folder holding one) to copy in; default: the shape's",
            "                        family under udf/target/real-tokenizers/ (scripts/fetch-tokenizers.sh fetches it)",
            "  --dtype D             bf16 (default), f16 or f32: the safetensors dtype and config.json's torch_dtype",
            "  --seed S              weights are a pure function of (seed, tensor name, index) (default 0)",
            "  --std X               standard deviation of the uniform weights (default 0.02; norms 1, biases 0)",
            "  --set KEY=VALUE       override a config.json key; VALUE is JSON (2, true, [1,2]) or a string",
            "  --max-shard-size S    shard size limit, like transformers' max_shard_size: 5GB (default), 500MB, bytes",
            "  --threads N           threads generating weights (default: all cores)",
            "  --force               overwrite the model files of a non-empty --out");

    static final Command<ModelMaker.Plan> COMMAND = new Command<>("make-model", USAGE,
            args -> ModelMaker.plan(parse(args), Cli.home()),
            (plan, out, err) -> {
                ModelMaker.Options o = plan.options();
                ModelMaker.Made m = ModelMaker.make(plan, err);
                out.printf(Locale.ROOT, "make-model: wrote %s (%s, %.2fB parameters, %.2f GB in %d shard%s) in %.1f s,"
                                + " %.0f MB/s%n", m.dir(), o.shape(), m.parameters() / 1e9, m.bytes() / 1e9, m.shards(),
                        m.shards() == 1 ? "" : "s", m.seconds(), m.megabytesPerSecond());
            });

    static ModelMaker.Options parse(String[] args) {
        String shape = null;
        Path out = null;
        Path tokenizer = null;
        DType dtype = DType.BF16;
        long seed = 0;
        double std = 0.02;
        long maxShard = CheckpointWriter.DEFAULT_MAX_SHARD_BYTES;
        int threads = Runtime.getRuntime().availableProcessors();
        boolean force = false;
        Map<String, String> sets = new LinkedHashMap<>();
        Flags f = new Flags(args);
        while (f.next()) {
            switch (f.flag()) {
                case "--shape" -> shape = f.value();
                case "--out" -> out = f.path();
                case "--tokenizer" -> tokenizer = f.path();
                case "--dtype" -> dtype = dtype(f.value());
                case "--seed" -> seed = f.longValue();
                case "--std" -> {
                    std = f.doubleValue();
                    if (!(std >= 0)) throw new UsageException("--std must be >= 0, got " + std);
                }
                case "--set" -> {
                    String kv = f.value();
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new UsageException("--set needs KEY=VALUE, got '" + kv + "'");
                    sets.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
                }
                case "--max-shard-size" -> maxShard = size(f.value());
                case "--threads" -> {
                    threads = f.intValue();
                    if (threads < 1) throw new UsageException("--threads must be >= 1, got " + threads);
                }
                case "--force" -> {
                    f.noValue();
                    force = true;
                }
                default -> throw f.unknown();
            }
        }
        if (shape == null || out == null) throw new UsageException("--shape and --out are required");
        return new ModelMaker.Options(shape, out, dtype, seed, std, tokenizer, sets, maxShard, threads, force);
    }

    private static DType dtype(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "fp16", "float16" -> DType.F16;
            case "f32", "fp32", "float32" -> DType.F32;
            default -> throw new UsageException("--dtype must be bf16, f16 or f32, got '" + v + "'");
        };
    }

    /** "5GB" (10^9, as transformers), "500MB", "2GiB", or plain bytes. */
    static long size(String v) {
        String s = v.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        String[][] units = {{"GIB", "1073741824"}, {"MIB", "1048576"}, {"KIB", "1024"}, {"GB", "1000000000"},
                {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}};
        for (String[] u : units) {
            if (s.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                s = s.substring(0, s.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            long n = (long) (Double.parseDouble(s) * unit);
            if (n <= 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--max-shard-size '" + v + "' is not a size (5GB, 500MB, 2GiB or bytes)");
        }
    }
}
