package io.specprefill.udf.testing;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints why tests were skipped, on the console of {@code mvn verify}: surefire shows only
 * "Skipped: 5" and keeps an assumption's message in its report files, so a fresh clone without
 * {@code ../shared/data} (or without a GPU) would not say why. One line per test class and reason,
 * when the class ends: {@code [skipped] io.x.FooTest (3 tests): shared/data/... not found ...}.
 *
 * <p>Registered for every module's tests through {@code META-INF/services} of udf's test jar (job and
 * cuda test with it). Surefire sends the tests' own output to report files
 * ({@code redirectTestOutputToFile}); this writes to the forked JVM's native stderr, which surefire
 * shows on the console.
 */
public final class SkipReasons implements TestExecutionListener {
    private final PrintStream out;
    /** Test class to reason to the number of tests it skipped (0: the whole class, before any test). */
    private final Map<String, Map<String, Integer>> pending = new LinkedHashMap<>();

    public SkipReasons() {
        this(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
    }

    public SkipReasons(PrintStream out) {
        this.out = out;
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        note(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            note(test, result.getThrowable().map(Throwable::getMessage).orElse("no reason given"));
        }
        test.getSource().filter(ClassSource.class::isInstance)
                .ifPresent(source -> print(((ClassSource) source).getClassName()));
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        for (String className : pending.keySet().toArray(String[]::new)) {
            print(className);
        }
    }

    private synchronized void note(TestIdentifier test, String reason) {
        Optional<String> className = test.getSource().map(SkipReasons::className);
        String why = reason == null ? "no reason given" : reason.replaceFirst("^Assumption failed: ", "");
        pending.computeIfAbsent(className.orElse(test.getDisplayName()), c -> new LinkedHashMap<>())
                .merge(why, test.isTest() ? 1 : 0, Integer::sum);
    }

    private synchronized void print(String className) {
        Map<String, Integer> reasons = pending.remove(className);
        if (reasons == null) return;
        reasons.forEach((why, tests) -> out.println("[skipped] " + className
                + (tests == 0 ? "" : " (" + tests + (tests == 1 ? " test" : " tests") + ")") + ": " + why));
    }

    private static String className(TestSource source) {
        if (source instanceof MethodSource m) return m.getClassName();
        if (source instanceof ClassSource c) return c.getClassName();
        return source.toString();
    }
}
