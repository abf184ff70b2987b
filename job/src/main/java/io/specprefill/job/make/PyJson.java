package io.specprefill.job.make;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON text as transformers writes {@code config.json} and {@code generation_config.json}:
 * Python's {@code json.dumps(d, indent=2, sort_keys=True) + "\n"}. So keys are sorted, every
 * array element and object entry sits on its own line, {@code ": "} separates keys, and floats
 * are Python's {@code repr} ({@code 1e-05}, {@code 500000.0}, {@code 0.02}). Values: maps, lists,
 * strings, booleans, integers, doubles and null.
 */
final class PyJson {
    private PyJson() {
    }

    static String dumps(Map<String, ?> object) {
        StringBuilder out = new StringBuilder();
        value(object, 0, out);
        return out.append('\n').toString();
    }

    private static void value(Object v, int indent, StringBuilder out) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
                pad(indent + 2, out).append(string(e.getKey().toString())).append(": ");
                value(e.getValue(), indent + 2, out);
                out.append(++i < m.size() ? ",\n" : "\n");
            }
            pad(indent, out).append('}');
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            for (int i = 0; i < l.size(); i++) {
                pad(indent + 2, out);
                value(l.get(i), indent + 2, out);
                out.append(i + 1 < l.size() ? ",\n" : "\n");
            }
            pad(indent, out).append(']');
        } else if (v instanceof String s) {
            out.append(string(s));
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            out.append(repr(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            out.append(n.longValue());
        } else {
            throw new IllegalArgumentException("no JSON form for " + v.getClass().getSimpleName() + " " + v);
        }
    }

    private static StringBuilder pad(int n, StringBuilder out) {
        return out.append(" ".repeat(n));
    }

    /** A JSON string as json.dumps writes it (ensure_ascii: non-ASCII as backslash-u escapes). */
    static String string(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that read back to the same double (Java's
     * {@link Double#toString} digits), positional for exponents -4 to 15, else {@code d.ddde-XX}.
     */
    static String repr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1;   // d = m.mmm x 10^exponent
        if (exponent >= -4 && exponent < 16) {
            String plain = shortest.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = shortest.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String sign = d < 0 ? "-" : "";
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
