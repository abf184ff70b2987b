package io.specprefill.udf.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * The ids tokenizer.json's {@code post_processor} adds around a single sequence when special tokens
 * are requested: TemplateProcessing's {@code single} template (Llama 3: [BOS, $A]), found directly
 * or inside a {@code Sequence}; ByteLevel post-processing only fixes offsets and adds no ids.
 *
 * @param prefix ids before the text ([3000] for Llama 3 style), never null
 * @param suffix ids after the text, never null
 */
record PostProcessor(int[] prefix, int[] suffix) {
    static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

    static PostProcessor parse(JsonNode n, Path file) {
        if (n.isMissingNode() || n.isNull()) return NONE;
        String type = n.path("type").asText();
        switch (type) {
            case "ByteLevel":
                return NONE;
            case "TemplateProcessing":
                return template(n, file);
            case "Sequence": {
                PostProcessor found = NONE;
                for (JsonNode p : n.path("processors")) {
                    PostProcessor pp = parse(p, file);
                    if (pp != NONE) {
                        if (found != NONE) throw new TokenizerFormatException(file + ": post_processor has two templates");
                        found = pp;
                    }
                }
                return found;
            }
            default:
                throw new TokenizerFormatException(file + ": post_processor.type=" + type
                        + " is not supported (supported: TemplateProcessing, ByteLevel, Sequence)");
        }
    }

    private static PostProcessor template(JsonNode n, Path file) {
        IdList prefix = new IdList(2);
        IdList suffix = new IdList(2);
        boolean seenSequence = false;
        for (JsonNode piece : n.path("single")) {
            if (piece.has("Sequence")) {
                seenSequence = true;
            } else if (piece.has("SpecialToken")) {
                String id = piece.get("SpecialToken").path("id").asText();
                JsonNode ids = n.path("special_tokens").path(id).path("ids");
                if (!ids.isArray() || ids.isEmpty()) {
                    throw new TokenizerFormatException(file + ": post_processor.special_tokens has no ids for '" + id + "'");
                }
                for (JsonNode i : ids) (seenSequence ? suffix : prefix).add(i.asInt());
            } else {
                throw new TokenizerFormatException(file + ": post_processor.single has an unknown piece " + piece);
            }
        }
        if (!seenSequence) throw new TokenizerFormatException(file + ": post_processor.single has no Sequence piece");
        return new PostProcessor(prefix.toArray(), suffix.toArray());
    }
}
