package io.specprefill.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.GoldenModels;
import io.specprefill.job.demo.SampleNiah;
import io.specprefill.udf.Timer;
import io.specprefill.udf.llama.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job on a real Spark standalone cluster: a Master and two Workers on 127.0.0.1, each its own JVM
 * ({@link StandaloneCluster}), each Worker offering one fake GPU. The job goes in as the docs say for
 * a GPU cluster: {@code spark-submit --properties-file configs/spark-gpu-cluster.properties --files
 * scripts/getGpusResources.sh} of the application jar (sized down with {@code --conf} to fit this
 * machine). Tiny golden models, CPU backend ({@code backend: auto} without a GPU), so it runs in CI;
 * failsafe runs it after {@code package}, when the application jar exists.
 */
class StandaloneClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The fake GPU address of each Worker: not 0, so the local-mode rule (partition % 1 = 0) cannot pass for Spark's. */
    private static final List<String> GPUS = List.of("4", "7");
    private static final Path TARGET = Path.of(System.getProperty("basedir", ".")).resolve("target");
    private static final Path REPO = TARGET.getParent().getParent();
    /** The task's device line (StagePartition's logger, Spark's default log layout). */
    private static final Pattern DEVICE_LINE = Pattern.compile("StagePartition: (stage [12] partition \\d+/\\d+): (.+)");
    /** udf's per-partition start line (java.util.logging through Spark's log4j2). */
    private static final Pattern PROGRESS = Pattern.compile("stage [12] partition \\d+/\\d+: start, ");
    private static final Pattern STAGE2_STARTED = Pattern.compile("stage 2 partition \\d+/\\d+: ");
    private static final long RUN_TIMEOUT_S = 300;

    private static StandaloneCluster cluster;
    private static Path appJar;
    private static Path input;
    private static List<String> ids;
    private static Map<String, List<Object>> reference;
    private static String backend;

    @BeforeAll
    static void start() throws Exception {
        Path classpath = TARGET.resolve("classpath.txt");
        appJar = appJar();
        assumeTrue(appJar != null && Files.isRegularFile(classpath), "StandaloneClusterIT skipped: no application jar or "
                + "classpath.txt under " + TARGET + " (run it through Maven: mvn verify, after package)");
        // A usable GPU here would make backend auto open the fake addresses: keep to the CPU then.
        backend = Backends.choose("auto", -1).name().equals(Backends.CPU) ? "auto" : "cpu";
        Path dir = TARGET.resolve("cluster-it");
        deleteTree(dir);   // an earlier run's work folders and outputs
        input = rows(Files.createDirectories(dir));
        Timer up = Timer.start();
        cluster = StandaloneCluster.start(dir, classpath, appJar, GPUS);
        System.out.printf("StandaloneClusterIT: master %s and %d workers up in %.1f s (logs in %s)%n",
                cluster.masterUrl(), GPUS.size(), up.seconds(), dir);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void clusterOutputEqualsLocalModeAndEachTaskUsesTheGpuSparkGaveIt() throws Exception {
        Path out = TARGET.resolve("cluster-it/out-cluster");
        StandaloneCluster.Submission run = submitToCluster("cluster", out, false);
        assertEquals(0, run.await(RUN_TIMEOUT_S), "spark-submit failed: " + run.log() + "\n" + StandaloneCluster.tail(run.log(), 60));
        assertEquals(reference(), outputs(out), "the cluster's rows equal local[2]'s, row for row");

        List<Path> executors = cluster.executorLogs(run.appId().orElseThrow());
        assertEquals(GPUS.size(), executors.size(), "one executor per worker (one GPU each): " + executors);
        List<String> stages = new ArrayList<>();
        for (Path stderr : executors) {
            assertTrue(PROGRESS.matcher(StandaloneCluster.read(stderr)).find(), "the tasks' progress lines are logged: " + stderr);
            String gpu = GPUS.get(Integer.parseInt(stderr.getParent().getParent().getParent().getFileName().toString()
                    .substring("worker-".length())));
            Matcher m = DEVICE_LINE.matcher(StandaloneCluster.read(stderr));
            while (m.find()) {
                stages.add(m.group(1).substring(0, 7));
                String expected = backend.equals("cpu") ? "no GPU (backend cpu; Spark's gpu address \"" + gpu + "\" is left unused)"
                        : "GPU " + gpu + " from Spark's resource scheduling (task resource gpu address \"" + gpu + "\")";
                assertEquals(expected, m.group(2).strip(), stderr + ": " + m.group(1));
            }
        }
        assertTrue(stages.contains("stage 1") && stages.contains("stage 2"), "device lines of both stages: " + stages);
        if (backend.equals("cpu")) System.out.println("StandaloneClusterIT: a usable GPU here, so backend cpu: "
                + "checked that Spark assigned each task its worker's address, not that a GPU backend opened it");
    }

    @Test
    void anExecutorKilledInStage2IsReplacedAndEveryRowComesOutOnce() throws Exception {
        Path out = TARGET.resolve("cluster-it/out-executor-killed");
        StandaloneCluster.Submission run = submitToCluster("executor-killed", out, false);
        Path stderr = awaitStage2(run);
        ProcessHandle executor = cluster.executorProcess(stderr).orElseThrow(() -> new AssertionError("no process for " + stderr));
        executor.destroyForcibly();
        System.out.println("StandaloneClusterIT: killed executor " + stderr.getParent() + " in stage 2");
        assertEquals(0, run.await(RUN_TIMEOUT_S), "the job survives a lost executor: " + run.log() + "\n"
                + StandaloneCluster.tail(run.log(), 60));
        assertTrue(StandaloneCluster.read(run.log()).contains("ExecutorLostFailure"),
                "the driver saw a task fail with its executor: " + run.log());
        assertEquals(reference(), outputs(out), "each id exactly once, rows as local[2] made them");
    }

    @Test
    void aDriverKilledInStage2ResumesFromStage1AndEveryRowComesOutOnce() throws Exception {
        Path out = TARGET.resolve("cluster-it/out-driver-killed");
        StandaloneCluster.Submission run = submitToCluster("driver-killed", out, false);
        awaitStage2(run);
        run.process().destroyForcibly();
        assertTrue(run.process().waitFor(30, TimeUnit.SECONDS), "the driver JVM ends");
        System.out.println("StandaloneClusterIT: killed the driver in stage 2");
        assertTrue(Files.exists(out.resolve("stage1/_specprefill.json")), "stage 1 had finished");
        assertFalse(Files.exists(out.resolve("stage2/_specprefill.json")), "stage 2 had not");

        StandaloneCluster.Submission resumed = submitToCluster("driver-killed-resume", out, true);
        assertEquals(0, resumed.await(RUN_TIMEOUT_S), "resume failed: " + resumed.log() + "\n"
                + StandaloneCluster.tail(resumed.log(), 60));
        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile()).get("run");
        assertEquals("resumed", summary.get("stage1").asText(), "stage 1 reused");
        assertEquals(0, summary.get("rows_scored").asLong(), "no row went through the draft again");
        assertEquals(reference(), outputs(out), "each id exactly once, rows as local[2] made them");
    }

    /** The same rows in {@code local[2]}, the documented one-machine spark-submit: the reference, made once. */
    private static synchronized Map<String, List<Object>> reference() throws Exception {
        if (reference == null) {
            Path out = TARGET.resolve("cluster-it/out-local");
            deleteTree(out);
            List<String> args = new ArrayList<>(List.of("--master", "local[2]", "--properties-file",
                    REPO.resolve("configs/spark-local.properties").toString(), "--conf", "spark.ui.enabled=false",
                    "--conf", "spark.driver.defaultJavaOptions=" + StandaloneCluster.QUICK_JVM));
            args.addAll(application(out, false));
            Timer t = Timer.start();
            StandaloneCluster.Submission run = cluster.submit("local", args);
            assertEquals(0, run.await(RUN_TIMEOUT_S), "local[2] run failed: " + run.log() + "\n"
                    + StandaloneCluster.tail(run.log(), 60));
            System.out.printf("StandaloneClusterIT: local[2] reference run %.1f s%n", t.seconds());
            String log = StandaloneCluster.read(run.log());
            assertTrue(log.contains("from the local-mode rule (no gpu resource from Spark") || backend.equals("cpu"),
                    "local mode falls back to partition id modulo local_gpus, and says so");
            assertTrue(PROGRESS.matcher(log).find(), "the tasks' progress lines are logged: " + run.log());
            reference = outputs(out);
        }
        return reference;
    }

    /** spark-submit of the app jar to the cluster with the GPU properties file, as docs/job.md gives it. */
    private static StandaloneCluster.Submission submitToCluster(String name, Path out, boolean resume)
            throws IOException, InterruptedException {
        if (!resume) deleteTree(out);
        List<String> args = new ArrayList<>(List.of("--master", cluster.masterUrl(),
                "--properties-file", REPO.resolve("configs/spark-gpu-cluster.properties").toString(),
                "--files", REPO.resolve("scripts/getGpusResources.sh").toString(),
                // sized for a 2-core CI machine; the GPU amounts stay as the file sets them
                "--conf", "spark.executor.cores=1", "--conf", "spark.task.cpus=1", "--conf", "spark.executor.memory=768m",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.executor.defaultJavaOptions=" + StandaloneCluster.QUICK_JVM,
                "--conf", "spark.driver.defaultJavaOptions=" + StandaloneCluster.QUICK_JVM));
        args.addAll(application(out, resume));
        System.out.println("StandaloneClusterIT: " + name + ": spark-submit " + String.join(" ", args));
        return cluster.submit(name, args);
    }

    /** The application and its flags: the same rows and settings for every run. */
    private static List<String> application(Path out, boolean resume) {
        List<String> args = new ArrayList<>(List.of("--class", "io.specprefill.job.Main", appJar.toString(),
                "--input", input.toString(), "--draft", GoldenModels.dir("tiny-draft").toString(),
                "--target", GoldenModels.dir("tiny-target").toString(),
                "--config", REPO.resolve("configs/p30-lah8.yaml").toString(), "--output", out.toString(),
                "--output-format", "jsonl"));
        for (String set : List.of("backend=" + backend, "partitions=2", "draft_batch_size=2", "target_batch_size=1",
                "max_new_tokens=160", "max_prompt_tokens=1024")) {
            args.addAll(List.of("--set", set));
        }
        if (resume) args.add("--resume");
        return args;
    }

    /** Waits until an executor of {@code run} logs a stage-2 task's start; that executor's stderr. */
    private static Path awaitStage2(StandaloneCluster.Submission run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            Optional<String> app = run.appId();
            if (app.isPresent()) {
                for (Path stderr : cluster.executorLogs(app.get())) {
                    if (STAGE2_STARTED.matcher(StandaloneCluster.read(stderr)).find()) return stderr;
                }
            }
            if (!run.process().isAlive()) {
                throw new AssertionError("the job ended before stage 2 was seen: " + run.log() + "\n"
                        + StandaloneCluster.tail(run.log(), 60));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no stage 2 task within " + RUN_TIMEOUT_S + " s: " + run.log());
    }

    /**
     * A run's predictions by id: every column but the timings. Fails on an id seen twice, and unless
     * every input id is there.
     */
    private static Map<String, List<Object>> outputs(Path out) throws IOException {
        Map<String, List<Object>> rows = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        for (Path file : files) {
            for (String line : Files.readAllLines(file)) {
                JsonNode r = JSON.readTree(line);
                List<Object> values = new ArrayList<>();
                for (String column : List.of("output_text", "output_ids", "prompt_tokens", "kept_tokens", "keep_ratio", "error")) {
                    values.add(r.get(column));
                }
                String id = r.get("id").asText();
                assertTrue(rows.put(id, values) == null, out + ": id " + id + " comes out twice");
            }
        }
        assertEquals(ids.stream().sorted().toList(), List.copyOf(rows.keySet()), out + ": every input id comes out");
        return rows;
    }

    /** Needle rows short enough for a quick stage 1, plus two bad rows (errors pass through too). */
    private static Path rows(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        ids = new ArrayList<>();
        for (SampleNiah.Row r : SampleNiah.generate(8, 600, 12)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", r.id());
            row.put("prompt", r.prompt());
            row.put("answers", List.of(r.answer()));
            lines.add(JSON.writeValueAsString(row));
            ids.add(r.id());
        }
        lines.add(3, "{\"id\": \"empty\", \"prompt\": \"\"}");
        ids.add("empty");
        lines.add(6, "{\"id\": \"broken\", \"prompt\": ");
        ids.add("row-6");
        return Files.write(dir.resolve("rows.jsonl"), lines);
    }

    private static Path appJar() throws IOException {
        if (!Files.isDirectory(TARGET)) return null;
        try (Stream<Path> s = Files.list(TARGET)) {
            return s.filter(p -> p.getFileName().toString().matches("specprefill-job-.*-app\\.jar")).findFirst().orElse(null);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
