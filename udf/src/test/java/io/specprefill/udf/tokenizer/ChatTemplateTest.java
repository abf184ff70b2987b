package io.specprefill.udf.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.udf.model.TestCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chat templates rendered by Jinjava as transformers renders them with Jinja2: the constructs the
 * real templates use (RealTokenizersTest renders the real Llama 3.1 and Qwen3 ones), the gaps
 * {@link JinjaTemplate} closes, and where a model directory's template comes from.
 */
class ChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Tokenizer TOK = Tokenizer.load(TestCheckpoints.golden("tokenizer"));

    private static String render(String template, List<Map<String, Object>> messages) {
        return ChatTemplate.jinja(template, Map.of("bos_token", "<s>"), "test").render(messages, true, Map.of());
    }

    private static final List<Map<String, Object>> TWO = List.of(ChatTemplate.message("user", "a"),
            ChatTemplate.message("assistant", "b"));

    @Test
    void llama31StyleDefaultSystemHeader() throws Exception {
        String src = Files.readString(Path.of(getClass().getResource("/chat-templates/llama31-style.jinja").toURI()));
        ChatTemplate t = ChatTemplate.jinja(src, Map.of("bos_token", "<|begin_of_text|>", "eos_token", "<|eot_id|>"), "l31");
        String header = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
                + "Today Date: 26 Jul 2024\n\n";
        assertEquals(header + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.format(" Hi\n"));
        assertEquals(header + "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                t.render(List.of(ChatTemplate.message("system", " Be brief. "), ChatTemplate.message("user", "Hi")), true, Map.of()),
                "messages[1:], |trim");
        assertEquals(header.replace("26 Jul 2024", "1 Jan 2025") + "<|eot_id|>",
                t.render(List.of(), false, Map.of("date_string", "1 Jan 2025")), "a template kwarg");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> t.render(List.of(ChatTemplate.message("tool", "x")), true, Map.of()));
        assertTrue(e.getMessage().startsWith("l31: chat template failed") && e.getMessage().contains("Unexpected role tool"),
                e.getMessage());
    }

    @Test
    void jinjaWhitespaceControlAsTransformersSetsIt() {
        // trim_blocks and lstrip_blocks on, {%- -%} and {{- -}} strip, one trailing newline dropped
        assertEquals("B\nC", render("{%- if true %}\n    {{- 'B\\n' }}\n{%- endif %}\n{{- 'C' }}", TWO));
        assertEquals("  X\nY", render("  {% if true %}\n  X\n  {% endif %}\nY\n", TWO));
        assertEquals("<s>a|b|", render("{{ bos_token }}{% for m in messages %}{{ m.content }}|{% endfor %}", TWO));
        assertEquals("A\n\n", render("{% if add_generation_prompt %}{{ 'A\n\n' }}{% endif %}", TWO), "newlines inside strings stay");
    }

    @Test
    void pythonIdiomsOfRealTemplates() {
        assertEquals("b|a", render("{% for m in messages[::-1] %}{{ m.content }}{% if not loop.last %}|{% endif %}{% endfor %}", TWO));
        assertEquals("1:x,y", render("{%- set ns = namespace(last=messages|length - 1, s='x,y') %}"
                + "{%- for m in messages %}{% set ns.s = ns.s %}{% endfor %}{{ ns.last }}:{{ ns.s }}", TWO));
        assertEquals("b", render("{{ '<t>a</t>\\n\\nb'.split('</t>')[-1].lstrip('\\n') }}", TWO));
        assertEquals("x", render("{{ '\\n\\nx\\n'.strip('\\n') }}", TWO));
        assertEquals("a b|a|b", render("{{ ' a b '.strip() }}|{{ 'a.b'.split('.')[0] }}|{{ 'a b'.split()[1] }}", TWO));
        assertEquals("truefalse", render("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(['x', 'y']) }}", TWO));
        assertEquals("yes", render("{% if '</think>' in 'a</think>' %}yes{% endif %}", TWO));
        assertEquals("none", render("{% if x is not defined and y is none %}none{% endif %}", TWO));
        assertEquals("FFFT", render("{{ 'T' if not bos_token is defined else 'F' }}{{ 'T' if not nope is not defined else 'F' }}"
                + "{{ 'T' if not messages[0]['content'] is string else 'F' }}{{ 'T' if not bos_token is none else 'F' }}", TWO),
                "not binds looser than is, as in Jinja");
        assertTrue(render("{{ strftime_now('%d %b %Y') }}", TWO).matches("\\d\\d [A-Z][a-z]{2} \\d{4}"));
    }

    @Test
    void namespaceKeywordsAreParenthesized() {
        assertEquals("namespace(a=(x - 1), b=('a,b'), c=(f(1, 2)))",
                JinjaTemplate.parenthesizeNamespaceKeywords("namespace(a=x - 1, b='a,b', c=f(1, 2))"));
        assertEquals("namespace()", JinjaTemplate.parenthesizeNamespaceKeywords("namespace()"));
        assertEquals("namespace(d)", JinjaTemplate.parenthesizeNamespaceKeywords("namespace(d)"));
    }

    @Test
    void aBrokenTemplateFailsNamingItsOrigin() {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> ChatTemplate.jinja("{% for m in messages %}", Map.of(), "dir/tokenizer_config.json chat_template").format("x"));
        assertTrue(e.getMessage().startsWith("dir/tokenizer_config.json chat_template: chat template failed"), e.getMessage());
    }

    @Test
    void theModelsOwnTemplateAndWhereItComesFrom(@TempDir Path tmp) throws Exception {
        // no tokenizer_config.json: the built-in Llama 3 template (the shipped tiny models)
        assertSame(ChatTemplate.LLAMA3, ChatTemplate.forModel(TestCheckpoints.golden("tiny-draft")));

        String llama3 = "{% for m in messages %}{% if loop.first %}{{ bos_token }}{% endif %}{{ '<|start_header_id|>' + m.role"
                + " + '<|end_header_id|>\\n\\n' + m.content | trim + '<|eot_id|>' }}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
        ObjectNode cfg = JSON.createObjectNode();
        cfg.putObject("bos_token").put("__type", "AddedToken").put("content", "<|begin_of_text|>");
        cfg.put("eos_token", "<|eot_id|>");
        cfg.putNull("pad_token");
        cfg.put("chat_template", llama3);
        Path own = Files.createDirectories(tmp.resolve("own"));
        JSON.writeValue(own.resolve("tokenizer_config.json").toFile(), cfg);
        ChatTemplate t = ChatTemplate.forModel(own);
        assertEquals(own.resolve("tokenizer_config.json") + " chat_template", t.describe());
        assertArrayEquals(ChatTemplate.LLAMA3.encode(TOK, "Hi"), t.encode(TOK, "Hi"), "same format, same ids, BOS once");

        // a list of named templates: "default"
        cfg.putArray("chat_template").add(JSON.createObjectNode().put("name", "tool_use").put("template", "T"))
                .add(JSON.createObjectNode().put("name", "default").put("template", "D{{ messages[0].content }}"));
        JSON.writeValue(own.resolve("tokenizer_config.json").toFile(), cfg);
        assertEquals("Dx", ChatTemplate.forModel(own).format("x"));

        // chat_template.jinja wins over tokenizer_config.json, as in transformers
        Files.writeString(own.resolve("chat_template.jinja"), "J{{ bos_token }}{{ messages[0].content }}\n");
        assertEquals("J<|begin_of_text|>x", ChatTemplate.forModel(own).format("x"));

        // a base model: tokenizer_config.json without a template
        Path base = Files.createDirectories(tmp.resolve("base"));
        Files.writeString(base.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> ChatTemplate.forModel(base));
        assertTrue(e.getMessage().startsWith(base.resolve("tokenizer_config.json") + ": no chat_template"), e.getMessage());
    }
}
