package io.specprefill.udf.tokenizer;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code str} methods for Jinjava, as Hugging Face chat templates call them on message
 * contents ({@code message.content.startswith('<tool_response>')},
 * {@code content.split('</think>')[-1].lstrip('\n')}, {@code reasoning.strip('\n')}). Jinja runs
 * them as Python methods; Jinjava would look for Java methods of the same name, which String lacks
 * or has with other semantics (Java's {@code split} takes a regex). Every other call falls through
 * to Jinjava's own resolvers.
 *
 * <p>Semantics are Python 3's: {@code strip/lstrip/rstrip([chars])} remove whitespace or any of
 * chars; {@code split(sep[, maxsplit])} splits on the literal separator (on runs of whitespace,
 * dropping empty pieces, without one); {@code startswith/endswith} take a string or a list of them.
 */
final class PyStrMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String) || method == null) return null;
        Object[] a = params == null ? new Object[0] : params;
        Object result = call((String) base, method.toString(), a);
        if (result == NOT_HANDLED) return null;
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object call(String s, String name, Object[] a) {
        switch (name) {
            case "startswith": return a.length == 1 ? matchesAny(s, a[0], true) : NOT_HANDLED;
            case "endswith": return a.length == 1 ? matchesAny(s, a[0], false) : NOT_HANDLED;
            case "strip": return a.length <= 1 ? strip(s, chars(a), true, true) : NOT_HANDLED;
            case "lstrip": return a.length <= 1 ? strip(s, chars(a), true, false) : NOT_HANDLED;
            case "rstrip": return a.length <= 1 ? strip(s, chars(a), false, true) : NOT_HANDLED;
            case "split": return a.length <= 2 ? split(s, a) : NOT_HANDLED;
            case "upper": return a.length == 0 ? s.toUpperCase(Locale.ROOT) : NOT_HANDLED;
            case "lower": return a.length == 0 ? s.toLowerCase(Locale.ROOT) : NOT_HANDLED;
            case "replace": return a.length == 2 ? s.replace(str(a[0]), str(a[1])) : NOT_HANDLED;
            case "find": return a.length == 1 ? (long) s.indexOf(str(a[0])) : NOT_HANDLED;
            default: return NOT_HANDLED;
        }
    }

    private static String str(Object o) {
        return o == null ? "None" : o.toString();
    }

    /** strip's argument: null (whitespace) when absent or None. */
    private static String chars(Object[] a) {
        return a.length == 0 || a[0] == null ? null : a[0].toString();
    }

    private static boolean matchesAny(String s, Object prefixes, boolean start) {
        if (prefixes instanceof Iterable) {
            for (Object p : (Iterable<?>) prefixes) {
                if (start ? s.startsWith(str(p)) : s.endsWith(str(p))) return true;
            }
            return false;
        }
        return start ? s.startsWith(str(prefixes)) : s.endsWith(str(prefixes));
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    private static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && stripped(s.charAt(from), chars)) from++;
        while (right && to > from && stripped(s.charAt(to - 1), chars)) to--;
        return s.substring(from, to);
    }

    private static List<String> split(String s, Object[] a) {
        String sep = a.length == 0 || a[0] == null ? null : a[0].toString();
        long max = a.length == 2 ? ((Number) a[1]).longValue() : -1;
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (i < s.length()) {
                while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
                if (i == s.length()) break;
                if (max >= 0 && out.size() == max) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < s.length() && !Character.isWhitespace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("split: empty separator");
        int from = 0;
        for (int at; (max < 0 || out.size() < max) && (at = s.indexOf(sep, from)) >= 0; from = at + sep.length()) {
            out.add(s.substring(from, at));
        }
        out.add(s.substring(from));
        return out;
    }

    // ---------------------------------------------------------------- properties: not ours

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // never resolves a property
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return Collections.emptyIterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
