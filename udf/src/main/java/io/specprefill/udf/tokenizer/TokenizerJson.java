package io.specprefill.udf.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a Hugging Face {@code tokenizer.json} into a {@link Tokenizer}. Supported: model BPE
 * (byte-level: no dropout, no byte fallback, no subword prefix/suffix), normalizer null or
 * NFC/NFD/NFKC/NFKD (or a Sequence of them), pre-tokenizer Split / ByteLevel / Sequence, decoder
 * ByteLevel, post-processor TemplateProcessing / ByteLevel / Sequence / null. Anything else is an
 * error naming the file and the key, never a silent approximation.
 */
final class TokenizerJson {
    private final Path file;
    private final JsonNode root;

    private TokenizerJson(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    static Tokenizer read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new TokenizerFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new TokenizerFormatException(file + ": not a JSON object");
        return new TokenizerJson(file, root).build();
    }

    private Tokenizer build() {
        JsonNode model = root.path("model");
        String type = model.path("type").asText(model.has("merges") ? "BPE" : "");
        if (!type.equals("BPE")) {
            throw error("model.type=" + (type.isEmpty() ? "(missing)" : type) + " is not supported (supported: BPE)");
        }
        if (model.path("dropout").asDouble(0) > 0 || model.path("byte_fallback").asBoolean(false)
                || !model.path("continuing_subword_prefix").asText("").isEmpty()
                || !model.path("end_of_word_suffix").asText("").isEmpty()) {
            throw error("model: dropout, byte_fallback, continuing_subword_prefix and end_of_word_suffix are not supported"
                    + " (byte-level BPE as Llama 3 and Qwen 2 ship it)");
        }
        Map<String, Integer> vocab = readVocab(model.path("vocab"));
        for (int b = 0; b < 256; b++) {
            if (!vocab.containsKey(String.valueOf(ByteLevel.charOf(b)))) {
                throw error("model.vocab lacks byte-level token '" + ByteLevel.charOf(b) + "' (byte " + b
                        + "); a byte-level BPE needs all 256");
            }
        }
        Bpe bpe = new Bpe(vocab, readMerges(model.path("merges"), vocab), model.path("ignore_merges").asBoolean(false));
        requireByteLevelDecoder(root.path("decoder"));
        AddedTokens added = new AddedTokens(readAddedTokens(root.path("added_tokens")));
        return new Tokenizer(file, normalizer(root.path("normalizer"), "normalizer"),
                preTokenizer(root.path("pre_tokenizer"), "pre_tokenizer"), bpe, added,
                PostProcessor.parse(root.path("post_processor"), file), root.path("normalizer"), root.path("pre_tokenizer"));
    }

    private Map<String, Integer> readVocab(JsonNode v) {
        if (!v.isObject() || v.isEmpty()) throw error("model.vocab is missing or empty");
        Map<String, Integer> vocab = new HashMap<>(v.size() * 2);
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw error("model.vocab['" + e.getKey() + "']=" + e.getValue() + " is not a non-negative id");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    /** Merges as "a b" strings or [a, b] pairs; rank = index. */
    private Map<Long, Long> readMerges(JsonNode merges, Map<String, Integer> vocab) {
        if (!merges.isArray()) throw error("model.merges is missing or not a list");
        Map<Long, Long> m = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            JsonNode n = merges.get(rank);
            String a;
            String b;
            if (n.isTextual()) {
                String[] parts = n.asText().split(" ", -1);
                if (parts.length != 2) throw error("model.merges[" + rank + "]='" + n.asText() + "' is not 'a b'");
                a = parts[0];
                b = parts[1];
            } else if (n.isArray() && n.size() == 2) {
                a = n.get(0).asText();
                b = n.get(1).asText();
            } else {
                throw error("model.merges[" + rank + "]=" + n + " is neither 'a b' nor [a, b]");
            }
            Integer ia = vocab.get(a);
            Integer ib = vocab.get(b);
            Integer merged = vocab.get(a + b);
            if (ia == null || ib == null || merged == null) {
                throw error("model.merges[" + rank + "]=(" + a + ", " + b + "): '" + (ia == null ? a : ib == null ? b : a + b)
                        + "' is not in model.vocab");
            }
            m.putIfAbsent(Bpe.pair(ia, ib), ((long) rank << 32) | merged);
        }
        return m;
    }

    private List<AddedTokens.Token> readAddedTokens(JsonNode n) {
        List<AddedTokens.Token> out = new ArrayList<>();
        if (n.isMissingNode() || n.isNull()) return out;
        if (!n.isArray()) throw error("added_tokens is not a list");
        for (JsonNode t : n) {
            if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
                throw error("added_tokens entry " + t + " needs an integer id and a content string");
            }
            out.add(new AddedTokens.Token(t.get("id").asInt(), t.get("content").asText(), t.path("special").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                    t.path("single_word").asBoolean(false), t.path("normalized").asBoolean(false)));
        }
        return out;
    }

    private UnaryOperator<String> normalizer(JsonNode n, String key) {
        if (n.isMissingNode() || n.isNull()) return UnaryOperator.identity();
        String type = n.path("type").asText();
        switch (type) {
            case "NFC": return s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD": return s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC": return s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD": return s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Sequence": {
                List<UnaryOperator<String>> steps = new ArrayList<>();
                JsonNode list = n.path("normalizers");
                for (int i = 0; i < list.size(); i++) steps.add(normalizer(list.get(i), key + ".normalizers[" + i + "]"));
                return s -> {
                    for (UnaryOperator<String> f : steps) s = f.apply(s);
                    return s;
                };
            }
            default:
                throw error(key + ".type=" + type + " is not supported (supported: NFC, NFD, NFKC, NFKD, Sequence)");
        }
    }

    private PreTokenizer preTokenizer(JsonNode n, String key) {
        if (n.isMissingNode() || n.isNull()) throw error(key + " is missing (a byte-level BPE needs a ByteLevel pre-tokenizer)");
        String type = n.path("type").asText();
        switch (type) {
            case "Sequence": {
                List<PreTokenizer> steps = new ArrayList<>();
                JsonNode list = n.path("pretokenizers");
                for (int i = 0; i < list.size(); i++) steps.add(preTokenizer(list.get(i), key + ".pretokenizers[" + i + "]"));
                if (steps.stream().noneMatch(s -> s instanceof PreTokenizer.ByteLevelStep)) {
                    throw error(key + " has no ByteLevel step (a byte-level BPE needs one)");
                }
                return new PreTokenizer.Sequence(steps);
            }
            case "ByteLevel":
                return new PreTokenizer.ByteLevelStep(n.path("add_prefix_space").asBoolean(true),
                        n.path("use_regex").asBoolean(true) ? PreTokenizer.compile(PreTokenizer.GPT2_PATTERN) : null);
            case "Split":
                return split(n, key);
            default:
                throw error(key + ".type=" + type + " is not supported (supported: Sequence, Split, ByteLevel)");
        }
    }

    private PreTokenizer split(JsonNode n, String key) {
        String behavior = n.path("behavior").asText();
        if (!behavior.equals("Isolated") && !behavior.equals("Removed")) {
            throw error(key + ".behavior=" + behavior + " is not supported (supported: Isolated, Removed)");
        }
        if (n.path("invert").asBoolean(false)) throw error(key + ".invert=true is not supported");
        JsonNode p = n.path("pattern");
        try {
            if (p.has("Regex")) return new PreTokenizer.Split(PreTokenizer.compile(p.get("Regex").asText()), behavior.equals("Isolated"));
            if (p.has("String")) {
                return new PreTokenizer.Split(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(p.get("String").asText())),
                        behavior.equals("Isolated"));
            }
        } catch (PatternSyntaxException e) {
            throw new TokenizerFormatException(file + ": " + key + ".pattern cannot be translated to java.util.regex: "
                    + e.getMessage(), e);
        }
        throw error(key + ".pattern needs 'Regex' or 'String', got " + p);
    }

    private void requireByteLevelDecoder(JsonNode n) {
        String type = n.path("type").asText("(missing)");
        if (!type.equals("ByteLevel")) throw error("decoder.type=" + type + " is not supported (supported: ByteLevel)");
    }

    private TokenizerFormatException error(String what) {
        return new TokenizerFormatException(file + ": " + what);
    }
}
