package io.specprefill.job.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.util.Text;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

/**
 * One input row's fields, the same whatever the file format: {@link #get} returns null (absent),
 * a {@link String}, {@link Number}, {@link Boolean}, {@link List} or {@link Map} of such values.
 * The typed readers throw {@link IllegalArgumentException} naming the field and what it holds.
 */
@FunctionalInterface
public interface InputFields {

    Object get(String name);

    default boolean has(String name) {
        return get(name) != null;
    }

    /** A text field; numbers are accepted as their decimal text (ids are often numbers). */
    default String text(String name) {
        Object v = get(name);
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Number n) {
            return n instanceof BigDecimal d ? d.toPlainString() : n.toString();
        }
        throw new IllegalArgumentException("field '" + name + "' is " + kind(v) + ", expected text");
    }

    /** A list of texts; a single text counts as a list of one. */
    default List<String> texts(String name) {
        Object v = get(name);
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                final Object item = list.get(i);
                out.add(((InputFields) n -> item).text(name + "[" + i + "]"));
            }
            return out;
        }
        return List.of(text(name));
    }

    default int integer(String name) {
        Object v = get(name);
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        if (v instanceof String s && s.strip().matches("-?\\d{1,9}")) {
            return Integer.parseInt(s.strip());
        }
        throw new IllegalArgumentException("field '" + name + "' is " + kind(v) + ", expected a whole number");
    }

    private static String kind(Object v) {
        if (v == null) {
            return "missing";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        String text = v.toString();
        return "'" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'";
    }

    static InputFields of(Map<String, ?> values) {
        return values::get;
    }

    /** A JSON object's fields (JSONL input). */
    static InputFields of(JsonNode object) {
        return name -> plain(object.get(name));
    }

    /** A Spark row's fields (Parquet input). */
    static InputFields of(Row row) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (StructField f : row.schema().fields()) {
            values.put(f.name(), plain(row.get(row.fieldIndex(f.name()))));
        }
        return values::get;
    }

    /** JSON nodes, Spark values (Scala sequences, rows) and Arrow values (Text) as plain Java values. */
    static Object plain(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof JsonNode node) {
            return plainJson(node);
        }
        if (v instanceof Text t) {
            return t.toString();
        }
        if (v instanceof scala.collection.Seq<?> seq) {
            return plain(scala.jdk.javaapi.CollectionConverters.asJava(seq));
        }
        if (v instanceof Row row) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (StructField f : row.schema().fields()) {
                values.put(f.name(), plain(row.get(row.fieldIndex(f.name()))));
            }
            return values;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(item -> out.add(plain(item)));
            return out;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, item) -> out.put(String.valueOf(k), plain(item)));
            return out;
        }
        return v;
    }

    private static Object plainJson(JsonNode node) {
        if (node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber()) {
            return node.isIntegralNumber() && node.canConvertToLong() ? (Object) node.longValue() : node.decimalValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>(node.size());
            node.forEach(item -> out.add(plainJson(item)));
            return out;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), plainJson(e.getValue())));
        return out;
    }
}
