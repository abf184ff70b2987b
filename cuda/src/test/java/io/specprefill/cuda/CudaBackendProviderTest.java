package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The "cuda" backend as the tasks find it: through ServiceLoader, by name or by "auto". */
class CudaBackendProviderTest {
    private final CudaBackendProvider provider = new CudaBackendProvider();

    @Test
    void registeredUnderItsName() {
        assertTrue(Backends.names().contains("cuda"), "providers on the class path: " + Backends.names());
    }

    @Test
    void withoutGpuAutoPicksCpuAndSaysWhyAndCudaFailsWithTheReason() {
        assumeFalse(provider.available(), "a GPU is usable here: the GPU case below covers it");
        assertNotNull(provider.unavailableReason());
        Backends.Choice auto = Backends.choose("auto", 0);
        assertEquals("cpu", auto.name());
        assertTrue(auto.why().contains(provider.unavailableReason()), auto.why());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.choose("cuda", 0));
        assertTrue(e.getMessage().contains(provider.unavailableReason()), e.getMessage());
    }

    @Test
    void withGpuAutoAndCudaGiveACudaBackendOnTheAskedDevice() {
        assumeTrue(provider.available(), "no usable GPU: " + provider.unavailableReason());
        assertNull(provider.unavailableReason());
        Backends.Choice auto = Backends.choose("auto", 0);
        assertEquals("cuda:0", auto.key());
        try (Backend b = auto.create()) {
            assertEquals("cuda:0", b.name());
        }
        int count = Cuda.deviceCount();
        CudaException e = assertThrows(CudaException.class, () -> provider.create(count));
        assertTrue(e.getMessage().contains("GPU " + count + " requested") && e.getMessage().contains(count + " CUDA device"),
                e.getMessage());
    }
}
