package io.specprefill.job.eval;

import java.util.Map;

/**
 * Python's {@code template.format(**fields)} for the templates the official benchmarks ship:
 * named fields only (like {@code {context}}), doubled braces as literal braces. Unused
 * fields are ignored, as Python does; a field the template names but the map lacks, a format
 * spec or conversion, or a lone brace is an error (Python raises KeyError / ValueError there).
 */
public final class PyFormat {
    private PyFormat() {
    }

    /**
     * @param what names the template in error messages (e.g. "dataset2prompt.json: qasper")
     */
    public static String format(String template, Map<String, String> fields, String what) {
        StringBuilder out = new StringBuilder(template.length() + 64);
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{') {
                if (i + 1 < template.length() && template.charAt(i + 1) == '{') {
                    out.append('{');
                    i += 2;
                    continue;
                }
                int close = template.indexOf('}', i + 1);
                if (close < 0) {
                    throw new IllegalArgumentException(what + ": unclosed '{' at offset " + i);
                }
                String name = template.substring(i + 1, close);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new IllegalArgumentException(what + ": unsupported replacement field '{" + name
                            + "}' at offset " + i + " (only plain names like {context} are supported)");
                }
                String value = fields.get(name);
                if (value == null) {
                    throw new IllegalArgumentException(what + ": template needs field '" + name
                            + "' but only " + fields.keySet() + " were given");
                }
                out.append(value);
                i = close + 1;
            } else if (c == '}') {
                if (i + 1 < template.length() && template.charAt(i + 1) == '}') {
                    out.append('}');
                    i += 2;
                    continue;
                }
                throw new IllegalArgumentException(what + ": single '}' at offset " + i);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
