package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tensors of a model directory: one {@code model.safetensors}, or a sharded set listed by
 * {@code model.safetensors.index.json} ({@code weight_map}: tensor name -> shard file). When both
 * exist the single file wins, as in Hugging Face's loader. Pickle checkpoints are never read.
 */
public final class Checkpoint {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path source;
    private final Map<String, SafeTensors> fileOf;

    private Checkpoint(Path source, Map<String, SafeTensors> fileOf) {
        this.source = source;
        this.fileOf = Collections.unmodifiableMap(fileOf);
    }

    /** Opens and validates every file of the checkpoint in {@code dir}. */
    public static Checkpoint open(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            SafeTensors st = SafeTensors.open(single);
            Map<String, SafeTensors> m = new LinkedHashMap<>();
            for (String name : st.names()) m.put(name, st);
            return new Checkpoint(single, m);
        }
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) return openSharded(dir, index);
        String hint = Files.exists(dir.resolve("pytorch_model.bin")) ? " (pickle checkpoints are not supported)" : "";
        throw new ModelFormatException(dir + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found" + hint);
    }

    private static Checkpoint openSharded(Path dir, Path index) {
        JsonNode weightMap;
        try {
            weightMap = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new ModelFormatException(index + ": not valid JSON: " + e.getMessage(), e);
        }
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new ModelFormatException(index + ": 'weight_map' (tensor name -> shard file) is missing or empty");
        }
        Map<String, SafeTensors> shards = new HashMap<>();
        Map<String, SafeTensors> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            String name = e.getKey();
            String shardName = e.getValue().asText("");
            Path shard = dir.resolve(shardName);
            if (shardName.isEmpty() || !Files.isRegularFile(shard)) {
                throw new ModelFormatException(index + ": tensor '" + name + "' is in shard '" + shardName
                        + "', but " + shard + " does not exist");
            }
            SafeTensors st = shards.computeIfAbsent(shardName, s -> SafeTensors.open(shard));
            if (!st.contains(name)) {
                throw new ModelFormatException(st.file() + ": tensor '" + name + "' is missing (" + index
                        + " says it is in this shard)");
            }
            m.put(name, st);
        }
        return new Checkpoint(index, m);
    }

    /** The file that lists the tensors: model.safetensors or the index. Names it in errors. */
    public Path source() {
        return source;
    }

    public Set<String> names() {
        return fileOf.keySet();
    }

    public Optional<HostTensor> find(String name) {
        SafeTensors st = fileOf.get(name);
        return st == null ? Optional.empty() : Optional.of(st.get(name));
    }

    /** The tensor, or an error naming the checkpoint file and the tensor. */
    public HostTensor get(String name) {
        return find(name).orElseThrow(() -> new ModelFormatException(source + ": tensor '" + name + "' is missing"));
    }

    /** The file that holds {@code name} (a shard for sharded checkpoints). */
    public Path fileOf(String name) {
        SafeTensors st = fileOf.get(name);
        return st == null ? source : st.file();
    }
}
