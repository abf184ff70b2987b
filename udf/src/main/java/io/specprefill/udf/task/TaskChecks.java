package io.specprefill.udf.task;

import io.specprefill.udf.llama.Backends;

import java.util.List;

/**
 * Range checks of {@link TaskSettings}, named by the YAML keys, so a task never starts with values
 * the algorithm cannot use (the job checks its config too; tasks do not rely on it).
 */
final class TaskChecks {
    private TaskChecks() {
    }

    static void check(TaskSettings s) {
        require(s.targetDir() != null && !s.targetDir().isBlank(), "target", s.targetDir(), "a model directory");
        require(s.keep() > 0 && s.keep() <= 1, "keep", s.keep(), "in (0, 1]");
        require(s.chunkSize() >= 0, "chunk_size", s.chunkSize(), ">= 0 (0 or 1: select tokens)");
        require(s.poolKernel() >= 1 && s.poolKernel() % 2 == 1, "pool_kernel", s.poolKernel(), "a positive odd number");
        require(s.lookahead() >= 1, "lookahead", s.lookahead(), ">= 1");
        require(s.keepTail() >= 0, "keep_tail", s.keepTail(), ">= 0");
        require(s.maxNewTokens() >= 1, "max_new_tokens", s.maxNewTokens(), ">= 1");
        require(s.temperature() >= 0 && Double.isFinite(s.temperature()), "temperature", s.temperature(), ">= 0");
        require(s.topP() > 0 && s.topP() <= 1, "top_p", s.topP(), "in (0, 1]");
        require(s.maxPromptTokens() == 0 || s.maxPromptTokens() >= 2, "max_prompt_tokens", s.maxPromptTokens(),
                "0 (the target's limit) or >= 2");
        require(s.draftBatchSize() >= 1, "draft_batch_size", s.draftBatchSize(), ">= 1");
        require(s.targetBatchSize() >= 1, "target_batch_size", s.targetBatchSize(), ">= 1");
        for (String stop : s.stopStrings()) {
            require(stop != null && !stop.isEmpty(), "stop_strings", s.stopStrings(), "non-empty strings");
        }
        String b = s.backend() == null ? Backends.AUTO : s.backend();
        List<String> known = new java.util.ArrayList<>(List.of(Backends.CPU, Backends.AUTO, Backends.CUDA));
        for (String name : Backends.names()) if (!known.contains(name)) known.add(name);
        require(known.contains(b.trim().toLowerCase(java.util.Locale.ROOT)), "backend", b, "one of " + known);
    }

    private static void require(boolean ok, String key, Object actual, String expected) {
        if (!ok) throw new IllegalArgumentException("task settings: " + key + "=" + actual + " must be " + expected);
    }
}
