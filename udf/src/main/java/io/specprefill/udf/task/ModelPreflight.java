package io.specprefill.udf.task;

import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.tokenizer.ChatTemplate;
import io.specprefill.udf.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * The driver's check of the models before any task runs (design.md 7: bad models fail fast): both
 * model directories load (config.json parses, every tensor is present with the shape the
 * config implies, tokenizer.json reads), each tokenizer fits its model's embedding, the draft and
 * the target share one tokenizer (vocabulary, and the normalizer, pre-tokenizer, merges and added
 * tokens that turn text into ids), the target's chat template renders when chat_template is on, and
 * the prompt limit fits the target's positions. Weights are
 * memory-mapped, not read, so this is cheap even for large models.
 */
public final class ModelPreflight {
    private ModelPreflight() {
    }

    /** Throws {@link IllegalArgumentException} naming the model, the file and the problem. */
    public static void check(TaskSettings s) {
        Path targetDir = Path.of(s.targetDir());
        LlamaConfig target = load("target", targetDir);
        Tokenizer targetTok = tokenizer("target", targetDir, target);
        int maxNew = s.generation().maxNewTokens();
        int maxPrompt = s.prompts().maxPromptTokens();
        int limit = target.maxPositions() - maxNew;
        if (limit < 2) {
            throw new IllegalArgumentException("target model " + targetDir.resolve("config.json")
                    + ": max_position_embeddings=" + target.maxPositions() + " leaves no room for a prompt with"
                    + " max_new_tokens=" + maxNew);
        }
        if (maxPrompt > limit) {
            throw new IllegalArgumentException("task settings: max_prompt_tokens=" + maxPrompt
                    + " plus max_new_tokens=" + maxNew + " exceeds the target's max_position_embeddings="
                    + target.maxPositions() + " (" + targetDir.resolve("config.json") + ")");
        }
        if (s.prompts().chatTemplate()) {
            try {
                ChatTemplate.forModel(targetDir).encode(targetTok, "chat template check");
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("target model " + targetDir + ": chat_template=true: " + e.getMessage(), e);
            }
        }
        if (s.speculationOff()) return;
        Path draftDir = Path.of(s.draftDir());
        LlamaConfig draft = load("draft", draftDir);
        Tokenizer draftTok = tokenizer("draft", draftDir, draft);
        if (!draftTok.sameVocabulary(targetTok)) {
            throw new IllegalArgumentException("draft and target vocabularies differ: " + draftTok.source() + " ("
                    + draftTok.vocabSize() + " ids) vs " + targetTok.source() + " (" + targetTok.vocabSize()
                    + " ids); speculative prefill needs one tokenizer for both");
        }
        java.util.List<String> differ = draftTok.encodingDifferences(targetTok);
        if (!differ.isEmpty()) {
            throw new IllegalArgumentException("draft and target tokenizers differ: " + draftTok.source() + " vs "
                    + targetTok.source() + " share the vocabulary but not " + String.join(", ", differ)
                    + ", so they split text into different ids; speculative prefill needs one tokenizer for both");
        }
    }

    private static LlamaConfig load(String role, Path dir) {
        try {
            return Model.load(dir).config();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(role + " model " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Tokenizer tokenizer(String role, Path dir, LlamaConfig config) {
        Tokenizer t;
        try {
            t = Tokenizer.load(dir);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(role + " model " + dir + ": " + e.getMessage(), e);
        }
        if (t.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException(role + " model " + dir + ": " + t.source() + " has ids up to "
                    + (t.vocabSize() - 1) + " but config.json vocab_size=" + config.vocabSize());
        }
        return t;
    }
}
