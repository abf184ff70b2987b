package io.specprefill.udf.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** {@link SkipReasons} says why, once per class and reason, for skipped tests and skipped classes. */
class SkipReasonsTest {

    /** Not run by surefire (a static nested class); launched below. */
    static class SomeSkip {
        @Test
        void needsData() {
            assumeTrue(false, "shared/data/x not found: test skipped");
        }

        @Test
        void needsDataToo() {
            assumeTrue(false, "shared/data/x not found: test skipped");
        }

        @Test
        void runs() {
        }
    }

    static class AllSkip {
        @BeforeAll
        static void gpu() {
            assumeTrue(false, "no GPU here");
        }

        @Test
        void kernel() {
        }
    }

    @Test
    void printsOneLinePerClassAndReason() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Launcher launcher = LauncherFactory.create(LauncherConfig.builder()
                .enableTestExecutionListenerAutoRegistration(false).build());
        launcher.execute(LauncherDiscoveryRequestBuilder.request()
                        .selectors(selectClass(SomeSkip.class), selectClass(AllSkip.class)).build(),
                new SkipReasons(new PrintStream(text, true, StandardCharsets.UTF_8)));
        assertEquals(List.of(
                "[skipped] " + SomeSkip.class.getName() + " (2 tests): shared/data/x not found: test skipped",
                "[skipped] " + AllSkip.class.getName() + ": no GPU here"),
                text.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
