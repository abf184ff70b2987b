package io.specprefill.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When programmatic launch is used (ProgrammaticLaunch.enabled): never below sm_90, never with
 * specprefill.cuda.pdl=false, and where the bridge or the driver is missing (every machine without an
 * NVIDIA driver, as CI's) not at all, with a reason that names what is missing. Runs everywhere; the
 * launches themselves are covered by the GPU tests (MatmulKernelTest).
 */
class ProgrammaticLaunchTest {
    @Test
    void needsHopper() {
        assertFalse(ProgrammaticLaunch.enabled(80), "sm_80 has no griddepcontrol");
        assertFalse(ProgrammaticLaunch.enabled(89), "sm_89 has no griddepcontrol");
    }

    @Test
    void thePropertyTurnsItOff() {
        String before = System.getProperty("specprefill.cuda.pdl");
        System.setProperty("specprefill.cuda.pdl", "false");
        try {
            assertFalse(ProgrammaticLaunch.enabled(90));
        } finally {
            if (before == null) System.clearProperty("specprefill.cuda.pdl");
            else System.setProperty("specprefill.cuda.pdl", before);
        }
    }

    @Test
    void availableOrSaysWhatIsMissing() {
        String why = ProgrammaticLaunch.unavailableReason();
        if (ProgrammaticLaunch.available()) {
            assertNull(why);
            return;
        }
        assertTrue(why.contains("libcuda") || why.contains("JNI bridge"), why);
        assertFalse(ProgrammaticLaunch.enabled(90), "enabled without the bridge or the driver: " + why);
    }
}
