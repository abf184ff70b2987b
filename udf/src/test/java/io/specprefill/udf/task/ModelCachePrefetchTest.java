package io.specprefill.udf.task;

import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.WeightsDtype;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stage 1 starts the target's load early (ModelCache.prefetch); stage 2 then finds it, or loads and reports itself. */
class ModelCachePrefetchTest {
    @TempDir
    Path dir;

    @Test
    void aPrefetchedModelIsTheOneTheNextTaskGets() throws Exception {
        Path model = TestModels.draft(dir.resolve("m"), 3100);
        Backends.Choice cpu = Backends.choose("cpu", -1);
        assertTrue(ModelCache.prefetch(model, cpu, WeightsDtype.AUTO), "the first prefetch starts a load");
        LlamaModel m = ModelCache.model(model, cpu);   // waits for the prefetch's load
        assertSame(m, ModelCache.model(model, cpu));
        assertFalse(ModelCache.prefetch(model, cpu, WeightsDtype.AUTO), "a cached model is not loaded again");
        assertEquals(Files.size(model.resolve("model.safetensors")), ModelCache.checkpointBytes(model));
    }

    @Test
    void aFailedPrefetchIsNotCachedAndTheTasksOwnLoadReportsTheError() throws Exception {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("config.json"), "{not json");
        Backends.Choice cpu = Backends.choose("cpu", -1);
        assertTrue(ModelCache.prefetch(broken, cpu, WeightsDtype.AUTO));
        for (int i = 0; i < 200 && !ModelCache.prefetch(broken, cpu, WeightsDtype.AUTO); i++) Thread.sleep(10);
        // The second prefetch above started once the first had failed and left nothing cached; the task's own
        // load fails with the file's name.
        RuntimeException e = assertThrows(RuntimeException.class, () -> ModelCache.model(broken, cpu));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
}
