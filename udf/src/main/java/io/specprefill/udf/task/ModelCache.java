package io.specprefill.udf.task;

import io.specprefill.udf.Timer;
import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.model.WeightsDtype;
import io.specprefill.udf.tokenizer.Tokenizer;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Per-JVM cache of what tasks load: one backend per (backend, device), one uploaded model per
 * (model dir, backend, device), one tokenizer per model dir. Each executor JVM loads each model
 * once; concurrent tasks asking for the same key wait for the one load. A failed load is not
 * cached, so a later task retries it (and reports its own error).
 */
public final class ModelCache {
    private static final System.Logger LOG = System.getLogger("io.specprefill.udf.task");

    private static final ConcurrentHashMap<String, Once<Backend>> BACKENDS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Once<LlamaModel>> MODELS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Once<Tokenizer>> TOKENIZERS = new ConcurrentHashMap<>();
    /** Model keys a prefetch thread is loading. */
    private static final java.util.Set<String> PREFETCHED = ConcurrentHashMap.newKeySet();
    /** The backend choices ({@code key: why}) this JVM has logged. */
    private static final java.util.Set<String> NOTED = ConcurrentHashMap.newKeySet();

    private ModelCache() {
    }

    /**
     * The JVM's backend for this choice ("cpu", "cuda:0", ...). Concurrent tasks of one executor
     * share it, and a backend is not thread-safe (CudaBackend: one stream and shared scratch; CpuBackend
     * already uses every core), so tasks run their batches while holding its monitor
     * ({@code synchronized (backend)}): one batch at a time per device, the others wait their turn.
     */
    public static Backend backend(Backends.Choice choice) {
        return get(BACKENDS, choice.key(), choice::create);
    }

    /**
     * Logs why this backend was chosen, with the full reason (for "auto" without a GPU, a long line
     * about the CUDA driver), once per JVM: every task of an executor makes the same choice, and
     * their start lines carry only {@link Backends.Choice#brief()}. Returns true when it logged.
     */
    public static boolean noteBackend(Backends.Choice choice) {
        boolean first = NOTED.add(choice.key() + ": " + choice.why());
        if (first) {
            LOG.log(Level.INFO, "backend " + choice.key() + " for this JVM's tasks: " + choice.why());
        }
        return first;
    }

    /** The model in {@code dir} uploaded to the choice's backend as its checkpoint stores it, loaded on first use. */
    public static LlamaModel model(Path dir, Backends.Choice choice) {
        return model(dir, choice, WeightsDtype.AUTO);
    }

    /** As {@link #model(Path, Backends.Choice)}, with the projections held as {@code dtype} says (one entry per dtype). */
    public static LlamaModel model(Path dir, Backends.Choice choice, WeightsDtype dtype) {
        String key = modelKey(dir, choice, dtype);
        boolean prefetching = PREFETCHED.contains(key);
        Timer wait = Timer.start();
        LlamaModel model = load(dir, choice, dtype, false);
        if (prefetching && wait.seconds() >= 0.05) {
            LOG.log(Level.INFO, waitedMessage(dir, choice.key(), wait.seconds()));
        }
        return model;
    }

    private static LlamaModel load(Path dir, Backends.Choice choice, WeightsDtype dtype, boolean prefetch) {
        return get(MODELS, modelKey(dir, choice, dtype), () -> {
            Timer load = Timer.start();
            Model m = Model.load(dir);
            LlamaModel model = LlamaModel.upload(backend(choice), m.config(), m.weights(), dtype);
            LOG.log(Level.INFO, loadedMessage(dir, choice.key(), dtype.key(), load.seconds())
                    + (prefetch ? PREFETCHED_SUFFIX : ""));
            return model;
        });
    }

    /**
     * Starts loading a model into this cache on a daemon thread, unless it is cached or loading
     * already. Stage 1 uses it for the target (see ScoringIterator): the target's upload (seconds for
     * an 8B model) then overlaps the draft's batches, or the tokenization, instead of opening stage 2.
     * A weight upload touches no state the running batches share (its own allocations, copied through
     * the backend's own upload stream: CudaBackend's UploadStaging), so it needs no turn on the
     * device. A failed prefetch is logged and not cached: stage 2's own {@link #model} call loads
     * again and reports the error on its rows.
     */
    public static boolean prefetch(Path dir, Backends.Choice choice, WeightsDtype dtype) {
        String key = modelKey(dir, choice, dtype);
        if (MODELS.containsKey(key) || !PREFETCHED.add(key)) return false;
        Thread t = new Thread(() -> {
            try {
                load(dir, choice, dtype, true);
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "prefetch of " + dir + " on " + choice.key() + " failed; stage 2 loads it again"
                        + " and reports: " + e);
            } finally {
                PREFETCHED.remove(key);
            }
        }, "specprefill-prefetch " + dir.getFileName());
        t.setDaemon(true);
        t.start();
        return true;
    }

    /** Bytes of the checkpoint's .safetensors files: what its BF16 weights take on a GPU (an upper bound for FP8). */
    public static long checkpointBytes(Path dir) {
        try (var files = java.nio.file.Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).mapToLong(f -> {
                try {
                    return java.nio.file.Files.size(f);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException("model " + dir + ": cannot list its .safetensors files: " + e.getMessage(), e);
        }
    }

    private static String modelKey(Path dir, Backends.Choice choice, WeightsDtype dtype) {
        return dir.toAbsolutePath().normalize() + "|" + choice.key() + (dtype == WeightsDtype.AUTO ? "" : "|" + dtype.key());
    }

    /**
     * The log line of a finished model load; the job benchmark's report reads these lines back
     * (io.specprefill.job.bench.BenchRun), so its tests build them here.
     */
    public static String loadedMessage(Path dir, String device, String weights, double seconds) {
        return String.format(java.util.Locale.ROOT, "loaded %s on %s (weights %s) in %.1f s", dir, device, weights, seconds);
    }

    /** Ends a {@link #loadedMessage} line of a prefetch: its time overlapped the stage before, not the task's. */
    public static final String PREFETCHED_SUFFIX = ", prefetched beside the previous stage";

    /** A task's wait for a prefetch still loading: the part of that load the task did pay (BenchRun reads it). */
    public static String waitedMessage(Path dir, String device, double seconds) {
        return String.format(java.util.Locale.ROOT, "waited %.1f s for %s on %s (its prefetch was still loading)", seconds,
                dir, device);
    }

    /** The tokenizer of {@code dir} ({@code tokenizer.json}). */
    public static Tokenizer tokenizer(Path dir) {
        return get(TOKENIZERS, dir.toAbsolutePath().normalize().toString(), () -> Tokenizer.load(dir));
    }

    private static <T> T get(ConcurrentHashMap<String, Once<T>> map, String key, Supplier<T> load) {
        Once<T> once = map.computeIfAbsent(key, k -> new Once<>(load));
        try {
            return once.get();
        } catch (RuntimeException | Error e) {
            map.remove(key, once);
            throw e;
        }
    }

    /** A value computed at most once successfully; callers of {@link #get} wait for the loader. */
    private static final class Once<T> {
        private final Supplier<T> load;
        private T value;

        Once(Supplier<T> load) {
            this.load = load;
        }

        synchronized T get() {
            if (value == null) value = load.get();
            return value;
        }
    }
}
