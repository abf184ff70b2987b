package io.specprefill.job.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A Spark standalone cluster on 127.0.0.1 made of child JVMs: one Master and one Worker per entry of
 * {@code workerGpus}, each its own JVM, started from the build's jars (no Spark distribution).
 *
 * <p>{@code SPARK_HOME/jars} links the jars of {@code job/target/classpath.txt} except those the
 * application jar carries, as a Spark installation holds them: Workers start executors from it, and
 * {@link #submit} runs what the {@code spark-submit} script runs (Spark's launcher, then
 * {@code org.apache.spark.deploy.SparkSubmit}) on it. Each
 * Worker offers one fake GPU: a discovery script prints the address given to that Worker. Ports are
 * ephemeral, web UIs bind port 0, the REST server is off. {@link #close} kills every JVM started here,
 * executors included (also from a shutdown hook, should the test JVM end first).
 */
final class StandaloneCluster implements AutoCloseable {
    private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://[0-9.]+:[0-9]+)");
    private static final Pattern APP_ID = Pattern.compile("Connected to Spark cluster with app ID (app-[0-9-]+)");
    private static final long START_TIMEOUT_S = 120;
    /**
     * JVM options of every JVM here, executors included ({@code spark.executor.defaultJavaOptions}):
     * C1 only and the serial GC. These JVMs live for seconds on a machine of 2 cores, where C2 compiling
     * Spark costs more than it saves: one cluster run took 28 s instead of 66 s, with the same rows.
     */
    static final String QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    private final Path dir;
    private final Path sparkHome;
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> workerDirs = new ArrayList<>();
    private final Thread hook = new Thread(this::killAll, "standalone-cluster-cleanup");
    private String masterUrl;

    private StandaloneCluster(Path dir, Path sparkHome) {
        this.dir = dir;
        this.sparkHome = sparkHome;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts the Master, then the Workers, and returns once every Worker has registered.
     *
     * @param dir        logs, work folders and SPARK_HOME go here
     * @param workerGpus the fake GPU address each Worker offers, one Worker per entry
     */
    static StandaloneCluster start(Path dir, Path classpathFile, Path appJar, List<String> workerGpus)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        StandaloneCluster cluster = new StandaloneCluster(dir, sparkHome(dir.resolve("spark-home"), classpathFile, appJar));
        try {
            cluster.startMaster();
            Path script = cluster.write("fake-gpu.sh", "#!/bin/sh\n"
                    + "# Spark GPU discovery script of one test Worker: its address comes from the environment.\n"
                    + "echo \"{\\\"name\\\": \\\"gpu\\\", \\\"addresses\\\": [\\\"$SPECPREFILL_FAKE_GPU\\\"]}\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (int i = 0; i < workerGpus.size(); i++) {
                cluster.startWorker(i, script, workerGpus.get(i));
            }
            for (int i = 0; i < workerGpus.size(); i++) {
                cluster.await(cluster.dir.resolve("worker-" + i + ".log"), Pattern.compile("Successfully registered with master"),
                        "worker " + i + " registered");
            }
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    String masterUrl() {
        return masterUrl;
    }

    /** A running {@code spark-submit} (client mode: this JVM is the driver) and its log. */
    record Submission(Process process, Path log) {
        /** Waits for the driver to end; its exit status. */
        int await(long timeoutSeconds) throws InterruptedException {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("spark-submit still running after " + timeoutSeconds + " s; log " + log + ":\n"
                        + tail(log, 60));
            }
            return process.exitValue();
        }

        /** The application id the Master gave this driver, once it has one. */
        Optional<String> appId() {
            Matcher m = APP_ID.matcher(read(log));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
    }

    /**
     * Starts {@code spark-submit ARGS}, its output into {@code name}.log. As the {@code spark-submit}
     * script does, Spark's launcher first turns the arguments and the properties file into the driver's
     * command (spark.driver.memory, spark.driver.extraJavaOptions, ...), which then runs.
     */
    Submission submit(String name, List<String> args) throws IOException, InterruptedException {
        List<String> launcher = java("256m", "org.apache.spark.launcher.Main");
        launcher.add("org.apache.spark.deploy.SparkSubmit");
        launcher.addAll(args);
        Path log = dir.resolve(name + ".log");
        Path commandFile = dir.resolve(name + ".command");
        Process p = environment(new ProcessBuilder(launcher).redirectOutput(commandFile.toFile())
                .redirectError(log.toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("Spark's launcher failed on " + args + ":\n" + tail(log, 20));
        }
        // Output as bin/spark-class reads it: a NUL and a newline, then the command's words, each ended by a NUL.
        String out = Files.readString(commandFile);
        int at = out.indexOf("\0\n");
        if (at < 0) throw new IllegalStateException("Spark's launcher printed no command: " + out + "\n" + tail(log, 20));
        List<String> command = List.of(out.substring(at + 2).split("\0"));
        return new Submission(launch(command, log, Map.of()), log);
    }

    /** The executors' stderr files of an application: {@code <worker dir>/<app id>/<executor id>/stderr}. */
    List<Path> executorLogs(String appId) {
        List<Path> out = new ArrayList<>();
        for (Path worker : workerDirs) {
            Path app = worker.resolve(appId);
            if (!Files.isDirectory(app)) continue;
            try (Stream<Path> executors = Files.list(app)) {
                executors.map(e -> e.resolve("stderr")).filter(Files::isRegularFile).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** The executor JVM whose stderr is {@code stderr} (a Worker's child process). */
    Optional<ProcessHandle> executorProcess(Path stderr) {
        String executorId = stderr.getParent().getFileName().toString();
        String appId = stderr.getParent().getParent().getFileName().toString();
        return processes.stream().flatMap(Process::descendants).filter(p -> {
            List<String> args = Arrays.asList(p.info().arguments().orElse(new String[0]));
            int at = args.indexOf("--executor-id");
            return args.contains(appId) && at >= 0 && at + 1 < args.size() && args.get(at + 1).equals(executorId);
        }).findFirst();
    }

    /** Kills every JVM this cluster started (executors first), then drops the executors' copies of the app jar. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        for (Path worker : workerDirs) {
            try (Stream<Path> files = Files.walk(worker)) {
                for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).toList()) Files.deleteIfExists(jar);
            } catch (IOException e) {
                System.err.println("StandaloneCluster: could not clean " + worker + ": " + e);
            }
        }
    }

    private void killAll() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void startMaster() throws IOException, InterruptedException {
        Path log = dir.resolve("master.log");
        List<String> command = java("256m", "org.apache.spark.deploy.master.Master");
        command.addAll(List.of("--host", "127.0.0.1", "--port", "0", "--webui-port", "0",
                "--properties-file", write("master.conf", "spark.master.rest.enabled false\n").toString()));
        launch(command, log, Map.of());
        masterUrl = await(log, MASTER_URL, "the master's URL").group(1);
    }

    private void startWorker(int i, Path discoveryScript, String gpuAddress) throws IOException {
        Path work = Files.createDirectories(dir.resolve("worker-" + i));
        workerDirs.add(work);
        Path conf = write("worker-" + i + ".conf", "spark.worker.resource.gpu.amount 1\n"
                + "spark.worker.resource.gpu.discoveryScript " + discoveryScript + "\n");
        List<String> command = java("256m", "org.apache.spark.deploy.worker.Worker");
        command.addAll(List.of("--host", "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", "2",
                "--memory", "2g", "--work-dir", work.toString(), "--properties-file", conf.toString(), masterUrl));
        launch(command, dir.resolve("worker-" + i + ".log"), Map.of("SPECPREFILL_FAKE_GPU", gpuAddress));
    }

    /**
     * {@code java} with Spark's own module options (what spark-class adds), on SPARK_HOME's jars, plus
     * {@link #QUICK_JVM}.
     */
    private List<String> java(String heap, String mainClass) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap));
        command.addAll(List.of(QUICK_JVM.split(" ")));
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        command.addAll(List.of("-cp", sparkHome.resolve("jars") + "/*", mainClass));
        return command;
    }

    private Process launch(List<String> command, Path log, Map<String, String> env) throws IOException {
        ProcessBuilder pb = environment(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private ProcessBuilder environment(ProcessBuilder pb) throws IOException {
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_LOCAL_DIRS", Files.createDirectories(dir.resolve("local")).toString());
        return pb;
    }

    /** Waits until {@code log} matches {@code pattern}; fails with the log's tail if a process died or time ran out. */
    private Matcher await(Path log, Pattern pattern, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(read(log));
            if (m.find()) return m;
            if (processes.stream().anyMatch(p -> !p.isAlive())) {
                throw new IllegalStateException("a cluster JVM exited while waiting for " + what + "; " + log + ":\n" + tail(log, 40));
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no " + what + " after " + START_TIMEOUT_S + " s; " + log + ":\n" + tail(log, 40));
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /**
     * A SPARK_HOME whose jars/ links the build's class path minus what the application jar carries
     * (a jar counts as carried when its first class is in the app jar), so the app jar must bring its own.
     */
    static Path sparkHome(Path home, Path classpathFile, Path appJar) throws IOException {
        Path jars = home.resolve("jars");
        if (Files.isDirectory(jars)) {
            try (Stream<Path> old = Files.list(jars)) {
                for (Path p : old.toList()) Files.delete(p);
            }
        }
        Files.createDirectories(jars);
        Set<String> carried = new HashSet<>();
        try (ZipFile app = new ZipFile(appJar.toFile())) {
            app.stream().map(ZipEntry::getName).forEach(carried::add);
        }
        for (String entry : Files.readString(classpathFile).strip().split(":")) {
            Path jar = Path.of(entry);
            if (!entry.endsWith(".jar") || carried.contains(firstClass(jar))) continue;
            Path link = jars.resolve(jar.getFileName());
            if (!Files.exists(link)) Files.createSymbolicLink(link, jar.toAbsolutePath());
        }
        return home;
    }

    private static String firstClass(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().map(ZipEntry::getName)
                    .filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class"))
                    .findFirst().orElse("(no class in " + jar.getFileName() + ")");
        }
    }

    static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tail(Path log, int lines) {
        List<String> all = read(log).lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
