package io.specprefill.udf.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import jinjava.javax.el.CompositeELResolver;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Hugging Face chat template (Jinja) rendered with Jinjava the way transformers renders it
 * ({@code apply_chat_template}: a Jinja environment with {@code trim_blocks} and
 * {@code lstrip_blocks}, globals {@code raise_exception} and {@code strftime_now}, the context
 * {@code messages}, {@code add_generation_prompt} and the tokenizer's special tokens).
 *
 * <p>Jinjava is a Jinja engine for Java, not Python's Jinja2, so this class closes the gaps the real
 * templates (Llama 3.x, Qwen2.5, Qwen3) fall into, each checked by ChatTemplateTest:
 * <ul>
 *   <li>Python's str methods on strings ({@link PyStrMethods});</li>
 *   <li>{@code x[::-1]} (a slice with a step, which Jinjava cannot parse) becomes {@code x|reverse};</li>
 *   <li>{@code namespace(a=b - 1)}: Jinjava binds a keyword argument to the first term only, so each
 *       keyword value is put in parentheses;</li>
 *   <li>{@code not x is defined}: Jinjava reads {@code (not x) is defined}, Jinja {@code not (x is defined)}
 *       (Llama 3.x templates test their kwargs so), so the test is put in parentheses;</li>
 *   <li>one trailing newline of the template is dropped (Jinja's {@code keep_trailing_newline=False}).</li>
 * </ul>
 * Any error Jinjava reports fails the render with the template's origin and the error, never a
 * silently different prompt. Thread-safe: one Jinjava per JVM, one interpreter per render.
 */
final class JinjaTemplate {
    private static final Jinjava JINJAVA = create();

    private final String source;
    private final String origin;

    /** @param origin where the template came from (a file, and the key), for error messages */
    JinjaTemplate(String template, String origin) {
        this.source = adapt(template);
        this.origin = origin;
    }

    private static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyStrMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withParseWhitespaceControlStrictly(true)     // {%- / -%} as Jinja
                        .withUseTrimmingForNotesAndExpressions(true)  // {{- / -}} as Jinja
                        .withUseNaturalOperatorPrecedence(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava j = new Jinjava(config);
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaTemplate.class,
                "raiseException", String.class));
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaTemplate.class,
                "strftimeNow", String.class));
        return j;
    }

    /** transformers' raise_exception(message): the template refuses its input. */
    static String raiseException(String message) {
        throw new IllegalArgumentException(message);
    }

    /** transformers' strftime_now(format): the local time in Python's strftime format (English names). */
    static String strftimeNow(String format) {
        ZonedDateTime now = ZonedDateTime.now();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char f = format.charAt(++i);
            String pattern = Map.of('d', "dd", 'b', "MMM", 'B', "MMMM", 'Y', "yyyy", 'y', "yy", 'm', "MM",
                    'H', "HH", 'M', "mm", 'S', "ss", 'A', "EEEE").getOrDefault(f, null);
            if (pattern == null && f == 'a') pattern = "EEE";
            if (pattern != null) out.append(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(now));
            else if (f == '%') out.append('%');
            else throw new IllegalArgumentException("strftime_now: %" + f + " is not supported");
        }
        return out.toString();
    }

    /** {@code not NAME is [not] TEST}, NAME a variable with attributes or subscripts. */
    private static final java.util.regex.Pattern NOT_IS = java.util.regex.Pattern.compile(
            "\\bnot\\s+([A-Za-z_][\\w.]*(?:\\[[^\\]]*\\])*)\\s+is\\s+((?:not\\s+)?[A-Za-z_]\\w*)");

    /** The source rewrites listed in the class comment. */
    static String adapt(String template) {
        String t = template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
        t = t.replace("[::-1]", "|reverse");
        t = NOT_IS.matcher(t).replaceAll("not ($1 is $2)");
        return parenthesizeNamespaceKeywords(t);
    }

    /** namespace(a=x - 1, b=y) becomes namespace(a=(x - 1), b=(y)). */
    static String parenthesizeNamespaceKeywords(String t) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int at; (at = t.indexOf("namespace(", from)) >= 0; ) {
            int open = at + "namespace(".length();
            int close = matchingParen(t, open);
            if (close < 0) break;
            out.append(t, from, open);
            List<String> args = topLevelArgs(t.substring(open, close));
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                int eq = keywordEquals(arg);
                if (i > 0) out.append(',');
                if (eq < 0) out.append(arg);
                else out.append(arg, 0, eq + 1).append('(').append(arg.substring(eq + 1).trim()).append(')');
            }
            out.append(')');
            from = close + 1;
        }
        return out.append(t.substring(from)).toString();
    }

    /** The index of the ')' closing the '(' just before {@code open}, skipping strings and nested brackets; -1 if none. */
    private static int matchingParen(String t, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) return c == ')' ? i : -1;
                depth--;
            }
        }
        return -1;
    }

    private static List<String> topLevelArgs(String s) {
        List<String> args = new java.util.ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                args.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (!s.substring(start).isBlank() || !args.isEmpty()) args.add(s.substring(start));
        return args;
    }

    /** The '=' of {@code name=value} (not '==', '<=', ...), or -1 for a positional argument. */
    private static int keywordEquals(String arg) {
        String a = arg.trim();
        int eq = arg.indexOf('=');
        if (eq < 0 || !a.matches("[A-Za-z_][A-Za-z0-9_]*\\s*=[^=].*")) return -1;
        return eq;
    }

    /**
     * Renders the template. context: messages (a list of maps with role and content),
     * add_generation_prompt, the special tokens and any template kwargs.
     */
    String render(Map<String, Object> context) {
        RenderResult r;
        try {
            r = JINJAVA.renderForResult(source, new HashMap<>(context));
        } catch (RuntimeException e) {
            throw new TokenizerFormatException(origin + ": chat template failed: " + e.getMessage(), e);
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new TokenizerFormatException(origin + ": chat template failed at line " + e.getLineno() + ": "
                        + e.getMessage() + rootCause(e.getException()));
            }
        }
        return r.getOutput();
    }

    /** The innermost cause's message (raise_exception's text), or nothing. */
    private static String rootCause(Throwable t) {
        if (t == null) return "";
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? "" : " (" + t.getMessage() + ")";
    }

    String origin() {
        return origin;
    }
}
