package io.specprefill.udf.task;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.udf.llama.Backends;
import org.junit.jupiter.api.Test;

/** Why a backend was chosen (a long line without a GPU) is logged once per JVM, not at every task's start. */
class ModelCacheNoteTest {
    @Test
    void theBackendReasonIsLoggedOncePerJvm() {
        String reason = "the CUDA driver library could not be loaded (" + "x".repeat(200) + ")";
        Backends.Choice choice = new Backends.Choice("cpu", -1, Backends.AUTO_FALLBACK + " (" + reason + ")", null);
        assertTrue(ModelCache.noteBackend(choice), "first task of the JVM");
        assertFalse(ModelCache.noteBackend(choice), "every later task");
        assertFalse(ModelCache.noteBackend(new Backends.Choice("cpu", -1, choice.why(), null)));
        assertTrue(choice.brief().length() < 30, choice.brief());
    }
}
