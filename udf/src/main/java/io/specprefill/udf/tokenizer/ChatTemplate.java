package io.specprefill.udf.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a prompt becomes ids. {@link #NONE} feeds the text as it is, with the post-processor's BOS.
 * {@link #forModel} wraps it as one user turn with the model's OWN chat template, the Jinja
 * {@code chat_template} of its {@code tokenizer_config.json} (or {@code chat_template.jinja}),
 * rendered as transformers' {@code apply_chat_template(messages, add_generation_prompt=True)} does
 * ({@link JinjaTemplate}), and tokenized without the post-processor's specials, as transformers does:
 * the template writes BOS itself where the model has one.
 *
 * <p>{@link #LLAMA3} is a hand-written Llama 3 Instruct template (one user turn and the assistant
 * header), kept only as the fallback for model directories without a tokenizer_config.json (such
 * as the shipped tiny models), and said so in the log.
 */
public final class ChatTemplate {
    private static final System.Logger LOG = System.getLogger("io.specprefill.udf.tokenizer");
    /** tokenizer_config.json keys transformers passes to the template (its special_tokens_map). */
    private static final String[] SPECIAL_TOKEN_KEYS = {
        "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};
    private static final String[] LLAMA3_SPECIALS = {
        "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"};

    /** The text as it is, BOS from the post-processor. */
    public static final ChatTemplate NONE = new ChatTemplate("none", null, Map.of());
    /** The built-in Llama 3 template (the fallback; see the class comment). */
    public static final ChatTemplate LLAMA3 = new ChatTemplate("llama3 (built in)", null, Map.of());

    private final String name;
    private final JinjaTemplate jinja;          // null for NONE and LLAMA3
    private final Map<String, Object> specials; // the template context's special tokens

    private ChatTemplate(String name, JinjaTemplate jinja, Map<String, Object> specials) {
        this.name = name;
        this.jinja = jinja;
        this.specials = specials;
    }

    /** {@code none} or {@code llama3} (the built-in template), or an error listing both. */
    public static ChatTemplate parse(String name) {
        switch (name) {
            case "none": return NONE;
            case "llama3": return LLAMA3;
            default: throw new IllegalArgumentException("chat template '" + name + "' is unknown (known: none, llama3)");
        }
    }

    /**
     * A Jinja chat template with the special tokens it may use ({@code bos_token}, ...); origin
     * names it in errors and logs.
     */
    public static ChatTemplate jinja(String template, Map<String, String> specialTokens, String origin) {
        return new ChatTemplate(origin, new JinjaTemplate(template, origin), Map.copyOf(specialTokens));
    }

    /**
     * The model's own chat template: {@code dir/chat_template.jinja} when present (transformers
     * prefers it), else tokenizer_config.json's {@code chat_template} (a string, or a list of named
     * templates: "default"). A directory without tokenizer_config.json gets {@link #LLAMA3}, logged;
     * one whose tokenizer_config.json has no template is an error (a base model has no chat format).
     */
    public static ChatTemplate forModel(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        Path jinjaFile = dir.resolve("chat_template.jinja");
        if (!Files.isRegularFile(config) && !Files.isRegularFile(jinjaFile)) {
            LOG.log(System.Logger.Level.INFO, dir + " has no tokenizer_config.json: using the built-in Llama 3 chat template");
            return LLAMA3;
        }
        JsonNode root = Files.isRegularFile(config) ? readJson(config) : new ObjectMapper().createObjectNode();
        Map<String, String> specials = specialTokens(root, config);
        if (Files.isRegularFile(jinjaFile)) {
            try {
                return jinja(Files.readString(jinjaFile), specials, jinjaFile.toString());
            } catch (IOException e) {
                throw new TokenizerFormatException(jinjaFile + ": cannot be read: " + e.getMessage(), e);
            }
        }
        JsonNode t = root.get("chat_template");
        if (t == null || t.isNull()) {
            throw new TokenizerFormatException(config + ": no chat_template (a base model has no chat format;"
                    + " set chat_template off, or use the instruct model's tokenizer_config.json)");
        }
        if (t.isTextual()) return jinja(t.asText(), specials, config + " chat_template");
        if (t.isArray()) {
            for (JsonNode named : t) {
                if (named.path("name").asText().equals("default") && named.path("template").isTextual()) {
                    return jinja(named.get("template").asText(), specials, config + " chat_template[default]");
                }
            }
            throw new TokenizerFormatException(config + ": chat_template is a list without a 'default' template");
        }
        throw new TokenizerFormatException(config + ": chat_template=" + t + " is neither a string nor a list");
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            if (n == null || !n.isObject()) throw new TokenizerFormatException(file + ": not a JSON object");
            return n;
        } catch (IOException e) {
            throw new TokenizerFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The set special tokens: a string, or an AddedToken object's content; null ones are left out, as transformers does. */
    private static Map<String, String> specialTokens(JsonNode root, Path file) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) continue;
            if (v.isTextual()) m.put(key, v.asText());
            else if (v.isObject() && v.path("content").isTextual()) m.put(key, v.get("content").asText());
            else throw new TokenizerFormatException(file + ": " + key + "=" + v + " is neither a string nor an AddedToken");
        }
        return m;
    }

    /** For logs: none, llama3 (built in), or the file the template came from. */
    public String describe() {
        return name;
    }

    /** The prompt text with the template around it (special tokens spelled out). */
    public String format(String userText) {
        if (this == NONE) return userText;
        if (jinja == null) {
            return "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n" + userText
                    + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        }
        return render(List.of(message("user", userText)), true, Map.of());
    }

    /**
     * The template over whole conversations (tests; a system turn): messages are role/content
     * maps, extra holds template kwargs such as {@code enable_thinking}.
     */
    String render(List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
        if (jinja == null) throw new IllegalStateException(name + " is not a Jinja template");
        Map<String, Object> context = new LinkedHashMap<>(specials);
        context.putAll(extra);
        context.put("messages", new ArrayList<>(messages));
        context.put("add_generation_prompt", addGenerationPrompt);
        return jinja.render(context);
    }

    static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /** The prompt's ids: BOS once, from the post-processor (NONE) or from the template. */
    public int[] encode(Tokenizer tokenizer, String userText) {
        if (this == NONE) return tokenizer.encode(userText, true);
        if (jinja == null) {
            for (String s : LLAMA3_SPECIALS) {
                if (tokenizer.tokenId(s).isEmpty()) {
                    throw new TokenizerFormatException(tokenizer.source() + ": chat template llama3 needs special token " + s
                            + ", which this tokenizer lacks");
                }
            }
        }
        return tokenizer.encode(format(userText), false);
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + "]";
    }
}
