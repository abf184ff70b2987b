package io.specprefill.udf.llama;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendsTest {

    @Test
    void cpuIsBuiltIn() {
        Backends.Choice c = Backends.choose("cpu", 3);
        assertEquals("cpu", c.key());
        assertNull(c.provider());
        try (Backend b = c.create()) {
            assertEquals("cpu", b.name());
        }
    }

    @Test
    void autoFallsBackToCpuAndSaysWhy() {
        // the udf test class path has no cuda provider
        Backends.Choice c = Backends.choose("auto", 1);
        assertEquals("cpu", c.name());
        assertEquals("auto: cuda not usable (no cuda provider on the class path)", c.why());
        assertEquals("cpu", Backends.choose(null, -1).name());
        assertEquals("auto: cuda not usable", c.brief(), "the reason is logged once per JVM, not in every start line");
        assertEquals("requested", Backends.choose("cpu", -1).brief());
    }

    @Test
    void cudaRequestedWithoutProviderFailsWithTheReason() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.choose("cuda", 0));
        assertTrue(e.getMessage().contains("no cuda provider on the class path"), e.getMessage());
    }

    @Test
    void unavailableProviderFailsWithItsOwnReason() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Backends.choose("test-unavailable", 0));
        assertEquals("backend 'test-unavailable' requested but not available: test provider: no device", e.getMessage());
    }

    @Test
    void availableProviderGetsTheAssignedDeviceOrZero() {
        assertEquals("test-cpu:2", Backends.choose("test-cpu", 2).key());
        assertEquals("test-cpu:0", Backends.choose("TEST-CPU", -1).key());
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.choose("tpu", 0));
        assertTrue(e.getMessage().startsWith("backend 'tpu' is unknown: known are cpu, auto"), e.getMessage());
        assertTrue(e.getMessage().contains("test-cpu"), e.getMessage());
    }
}
