package io.specprefill.udf.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.udf.Timer;
import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.LayerHook;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.llama.Logits;
import io.specprefill.udf.llama.Parallel;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.tokenizer.Tokenizer;

import java.io.BufferedReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * Prefill and decode speed of the forward pass on the CPU backend: one table row per (model,
 * prompt length). Prompt tokens are a real niah haystack ({@code niah-2k.jsonl} rows, tokenized,
 * cut to the length). Each row: one warm-up prefill + decode, then the median of {@code reps}
 * prefills, then {@code decode} greedy decode steps after a prefill. "prefill cpu ms" is the process
 * CPU time per prefill (the work, whatever else runs on the box) and "cores busy" that CPU time
 * over wall time: below the thread count means other processes took cores.
 *
 * <p>Run: {@code scripts/bench-forward.sh [--models DIR,DIR] [--lengths 1024,2048] [--decode 32] [--reps 3]}
 */
public final class ForwardBench {
    private ForwardBench() {
    }

    public static void main(String[] args) throws Exception {
        String[] models = {"models/niah-draft", "models/niah-target"};
        int[] lengths = {1024, 2048};
        int decode = 32;
        int reps = 3;
        Path data = Path.of("/work/shared/data/niah/niah-2k.jsonl");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--models": models = args[i + 1].split(","); break;
                case "--lengths": lengths = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray(); break;
                case "--decode": decode = Integer.parseInt(args[i + 1]); break;
                case "--reps": reps = Integer.parseInt(args[i + 1]); break;
                case "--data": data = Path.of(args[i + 1]); break;
                default: throw new IllegalArgumentException("ForwardBench: unknown flag " + args[i]);
            }
        }
        if (!Files.isRegularFile(data)) throw new IllegalArgumentException("ForwardBench: prompt data " + data + " is missing (--data FILE)");
        header(args);
        System.out.printf("%-12s | %-7s | %6s | %10s | %13s | %14s | %10s | %15s | %12s%n", "model", "backend", "tokens",
                "prefill ms", "prefill tok/s", "prefill cpu ms", "cores busy", "decode ms/token", "decode tok/s");
        for (String dir : models) {
            Model m = Model.load(Path.of(dir));
            int[] haystack = haystack(Tokenizer.load(Path.of(dir)), data, Arrays.stream(lengths).max().getAsInt());
            try (CpuBackend backend = new CpuBackend(); LlamaModel model = LlamaModel.upload(backend, m.config(), m.weights());
                 LlamaForward f = new LlamaForward(model)) {
                for (int len : lengths) row(Path.of(dir).getFileName().toString(), f, backend, Arrays.copyOf(haystack, len), decode, reps);
            }
        }
    }

    private static void row(String name, LlamaForward f, Backend backend, int[] prompt, int decode, int reps) {
        Backend.KvCache cache = f.newCache(1, prompt.length + decode);
        run(f, backend, cache, prompt, Math.min(decode, 8)); // warm-up: JIT
        double[] ms = new double[reps];
        long cpu0 = cpuNanos();
        Timer wall = Timer.start();
        for (int r = 0; r < reps; r++) {
            Timer prefill = Timer.start();
            f.prefill(cache, Batch.of(prompt));
            backend.synchronize();
            ms[r] = prefill.ms();
        }
        long cpu = cpuNanos() - cpu0;
        double busy = cpu / 1e6 / wall.ms();
        Arrays.sort(ms);
        double prefill = ms[reps / 2];
        double decodeMs = run(f, backend, cache, prompt, decode) / decode;
        System.out.printf("%-12s | %-7s | %6d | %10.1f | %13.0f | %14.0f | %10.2f | %15.2f | %12.1f%n", name, backend.name(),
                prompt.length, prefill, prompt.length / (prefill / 1000), cpu / 1e6 / reps, busy, decodeMs, 1000 / decodeMs);
        cache.close();
    }

    /** Prefills the prompt and runs {@code steps} greedy decode steps; returns the decode wall time in ms. */
    private static double run(LlamaForward f, Backend backend, Backend.KvCache cache, int[] prompt, int steps) {
        Logits logits = f.prefill(cache, Batch.of(prompt));
        int next = logits.argmax(0);
        Timer decode = Timer.start();
        int[] seq = {0}, tok = new int[1], pos = new int[1], slot = new int[1];
        for (int i = 0; i < steps; i++) {
            tok[0] = next;
            pos[0] = prompt.length + i;
            slot[0] = prompt.length + i;
            next = f.decodeStep(cache, 1, seq, tok, pos, slot, LayerHook.NONE).argmax(0);
        }
        return decode.ms();
    }

    /** At least {@code n} prompt tokens: BOS + niah rows, tokenized one after another. */
    private static int[] haystack(Tokenizer tok, Path data, int n) throws Exception {
        int[] ids = new int[0];
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader in = Files.newBufferedReader(data)) {
            String line;
            while (ids.length < n && (line = in.readLine()) != null) {
                int[] more = tok.encode(json.readTree(line).get("prompt").asText(), ids.length == 0);
                int old = ids.length;
                ids = Arrays.copyOf(ids, old + more.length);
                System.arraycopy(more, 0, ids, old, more.length);
            }
        }
        if (ids.length < n) throw new IllegalArgumentException(data + " holds only " + ids.length + " tokens, need " + n);
        return ids;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void header(String[] args) throws Exception {
        String cpu = "unknown CPU";
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            cpu = Files.readAllLines(info).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        }
        System.out.printf("# ForwardBench %s | %s, %d cores, %d threads | Java %s | load average %.2f%n", LocalDate.now(), cpu,
                Runtime.getRuntime().availableProcessors(), Parallel.threads(), System.getProperty("java.version"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.println("# command: scripts/bench-forward.sh " + String.join(" ", args));
    }
}
