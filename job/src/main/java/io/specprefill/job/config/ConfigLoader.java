package io.specprefill.job.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link JobConfig} from YAML plus {@code --set key=value} overrides. Every failure is an
 * {@link IllegalArgumentException} whose message starts with where the value came from (the file, or
 * the {@code --set} flag) and names the key, the value and what was expected.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** YAML key to its one-line doc, in declaration order. */
    public static final Map<String, String> KEYS = keys();

    /** Reads {@code file} (null: every default) and applies the overrides, each "key=value". */
    public static JobConfig load(Path file, List<String> overrides) {
        String source = file == null ? "defaults" : file.toString();
        ObjectNode node;
        if (file == null) {
            node = JsonNodeFactory.instance.objectNode();
        } else {
            try {
                node = parseMapping(Files.readString(file), source);
            } catch (IOException e) {
                throw new IllegalArgumentException(source + ": cannot read the config: " + e.getMessage(), e);
            }
        }
        return apply(node, source, overrides);
    }

    /** Parses YAML text named {@code source} in messages, then applies the overrides. */
    public static JobConfig parse(String yaml, String source, List<String> overrides) {
        return apply(parseMapping(yaml, source), source, overrides);
    }

    /** The config as YAML, every key resolved (what the job logs and writes next to its summary). */
    public static String toYaml(JobConfig config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the config as YAML", e);
        }
    }

    /** The keys table: key, default, doc; one line each. */
    public static String describe() {
        ObjectNode defaults = YAML.valueToTree(JobConfig.defaults());
        StringBuilder out = new StringBuilder();
        KEYS.forEach((key, doc) -> out.append(String.format("  %-24s %-10s %s%n", key,
                key.equals("keep_tail") ? "chunk_size" : defaults.get(key).toString(), doc)));
        return out.toString();
    }

    private static JobConfig apply(ObjectNode node, String source, List<String> overrides) {
        JobConfig fromFile = convert(node, source);
        if (overrides == null || overrides.isEmpty()) {
            return fromFile;
        }
        Map<String, String> flags = new LinkedHashMap<>();
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set " + override + ": expected key=value");
            }
            String key = override.substring(0, eq).trim();
            String value = override.substring(eq + 1);
            checkKnown(key, "--set " + override);
            node.set(key, overrideValue(key, value, override));
            flags.put(key, "--set " + override);
        }
        try {
            return convert(node, "--set");
        } catch (IllegalArgumentException e) {
            String culprit = flags.entrySet().stream().filter(f -> e.getMessage().contains(f.getKey() + "="))
                    .map(Map.Entry::getValue).findFirst().orElse(String.join(" ", flags.values()));
            throw new IllegalArgumentException(culprit + ": " + e.getMessage().replaceFirst("^--set: ", ""), e);
        }
    }

    /** A string key takes the text as it is; any other key reads the text as a YAML value (0.3, true, ["\n"]). */
    private static JsonNode overrideValue(String key, String value, String override) {
        if (componentType(key) == String.class) {
            return TextNode.valueOf(value);
        }
        try {
            return YAML.readTree(value.isEmpty() ? "null" : value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--set " + override + ": '" + value + "' is not a YAML value", e);
        }
    }

    private static JobConfig convert(ObjectNode node, String source) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            checkKnown(names.next(), source);
        }
        try {
            return YAML.treeToValue(node, JobConfig.class);
        } catch (MismatchedInputException e) {
            String key = e.getPath().isEmpty() ? "?" : e.getPath().get(0).getFieldName();
            JsonNode value = key == null ? null : node.get(key);
            throw new IllegalArgumentException(source + ": " + key + "=" + value + " must be a "
                    + describeType(e.getTargetType()), e);
        } catch (ValueInstantiationException e) {
            // the compact constructor's check: its message names the key and the expected values
            Throwable check = e.getCause() == null ? e : e.getCause();
            throw new IllegalArgumentException(source + ": " + check.getMessage(), check);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectNode parseMapping(String yaml, String source) {
        JsonNode node;
        try {
            node = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!(node instanceof ObjectNode mapping)) {
            throw new IllegalArgumentException(source + ": expected a mapping of keys to values, got a "
                    + node.getNodeType().toString().toLowerCase());
        }
        return mapping;
    }

    private static void checkKnown(String key, String source) {
        if (!KEYS.containsKey(key)) {
            throw new IllegalArgumentException(source + ": unknown key '" + key + "' (known keys: "
                    + String.join(", ", KEYS.keySet()) + ")");
        }
    }

    private static String describeType(Class<?> type) {
        if (type == null) {
            return "value of another type";
        }
        if (type == Double.class) {
            return "number";
        }
        if (type == Integer.class || type == Long.class) {
            return "whole number";
        }
        if (type == Boolean.class) {
            return "boolean (true or false)";
        }
        if (List.class.isAssignableFrom(type)) {
            return "list";
        }
        return type.getSimpleName().toLowerCase();
    }

    private static Class<?> componentType(String key) {
        for (Parameter p : keyParameters()) {
            if (annotation(p, JsonProperty.class).value().equals(key)) {
                return p.getType();
            }
        }
        throw new IllegalArgumentException("unknown key '" + key + "'");
    }

    private static Map<String, String> keys() {
        Map<String, String> keys = new LinkedHashMap<>();
        for (Parameter p : keyParameters()) {
            keys.put(annotation(p, JsonProperty.class).value(), annotation(p, JsonPropertyDescription.class).value());
        }
        return Collections.unmodifiableMap(keys);
    }

    /** The YAML keys are the parameters of {@link JobConfig#fromKeys}, in the file's order. */
    private static Parameter[] keyParameters() {
        for (Method m : JobConfig.class.getDeclaredMethods()) {
            if (m.isAnnotationPresent(JsonCreator.class)) {
                return m.getParameters();
            }
        }
        throw new IllegalStateException("JobConfig has no @JsonCreator method");
    }

    private static <A extends Annotation> A annotation(Parameter p, Class<A> type) {
        A a = p.getAnnotation(type);
        if (a == null) {
            throw new IllegalStateException("JobConfig.fromKeys parameter " + p.getName() + " has no @" + type.getSimpleName());
        }
        return a;
    }
}
