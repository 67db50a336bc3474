package org.tramontane.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.tramontane.config.JsonKeys;

/**
 * The weight files of one model directory, every header checked, tensors indexed by name.
 *
 * <p>Three layouts, tried in this order:
 * <ol>
 *   <li>{@code model.safetensors.index.json} (HF sharded): its {@code weight_map} must agree with
 *       the shards exactly: every file it names exists, every tensor it lists is in the file it
 *       names, and no shard holds a tensor it does not list.</li>
 *   <li>{@code model.safetensors} alone; other *.safetensors beside it are not read.</li>
 *   <li>every {@code *.safetensors} file in the directory (MindIE/msModelSlim quantized output
 *       such as {@code quant_model_weight_w8a8_dynamic.safetensors}), in file-name order.</li>
 * </ol>
 * A tensor name may occur in only one file.
 */
public final class Checkpoint {
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;

    private Checkpoint(Path dir, List<SafetensorsFile> files) {
        this.dir = dir;
        this.files = List.copyOf(files);
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        Map<String, Path> owner = new LinkedHashMap<>();
        for (SafetensorsFile f : files) {
            for (TensorInfo t : f.tensors()) {
                Path first = owner.putIfAbsent(t.name(), f.path());
                if (first != null) {
                    throw new WeightsException(dir + ": tensor " + t.name() + " is in both "
                            + first.getFileName() + " and " + f.path().getFileName());
                }
                m.put(t.name(), t);
            }
        }
        this.byName = m;
        this.tensors = List.copyOf(m.values());
    }

    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new WeightsException(dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory"));
        }
        Path index = dir.resolve(INDEX_FILE);
        if (Files.exists(index)) return openIndexed(dir, index);
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.exists(single)) return new Checkpoint(dir, List.of(SafetensorsFile.open(single)));
        List<Path> all = listSafetensors(dir);
        if (all.isEmpty()) {
            throw new WeightsException(dir + ": no " + SINGLE_FILE + ", " + INDEX_FILE + " or other *.safetensors file");
        }
        List<SafetensorsFile> files = new ArrayList<>();
        for (Path p : all) files.add(SafetensorsFile.open(p));
        return new Checkpoint(dir, files);
    }

    public Path dir() {
        return dir;
    }

    /** The weight files, in the order their tensors appear in {@link #tensors()}. */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    /** Every tensor: files in {@link #files()} order, each file's tensors in header order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public TensorInfo tensor(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) throw new WeightsException(dir + ": missing tensor " + name);
        return t;
    }

    /** Raw little-endian bytes of one of this checkpoint's tensors (tests, tools; below 2 GiB). */
    public byte[] readBytes(TensorInfo t) {
        return TensorReads.readBytes(own(t));
    }

    /** Elements widened exactly to float32 (F32, F16, BF16). */
    public float[] readFloats(TensorInfo t) {
        return TensorReads.readFloats(own(t));
    }

    private TensorInfo own(TensorInfo t) {
        if (!t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException(t.name() + " in " + t.file() + " is not a tensor of " + dir);
        }
        return t;
    }

    private static List<Path> listSafetensors(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) out.add(p);
            }
        } catch (IOException e) {
            throw new WeightsException(dir + ": cannot list directory: " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    // ---- sharded index ------------------------------------------------------------------------

    private static Checkpoint openIndexed(Path dir, Path index) {
        Map<String, Set<String>> tensorsByFile = readWeightMap(index);
        List<SafetensorsFile> files = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : tensorsByFile.entrySet()) {
            Path shard = dir.resolve(e.getKey());
            if (!Files.isRegularFile(shard)) {
                throw new WeightsException(index + ": names shard " + e.getKey() + " (for tensor "
                        + e.getValue().iterator().next() + "), which does not exist");
            }
            SafetensorsFile f = SafetensorsFile.open(shard);
            for (String name : e.getValue()) {
                if (f.find(name).isEmpty()) {
                    throw new WeightsException(index + ": lists tensor " + name + " in " + e.getKey()
                            + ", which does not contain it");
                }
            }
            for (TensorInfo t : f.tensors()) {
                if (!e.getValue().contains(t.name())) {
                    throw new WeightsException(index + ": does not list tensor " + t.name() + " held by " + e.getKey());
                }
            }
            files.add(f);
        }
        return new Checkpoint(dir, files);
    }

    /** File name to the tensors the index places there; files in name order (HF shard numbering). */
    private static Map<String, Set<String>> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw new WeightsException(JsonKeys.invalidJson(index, e), e);
        } catch (NoSuchFileException e) {
            throw new WeightsException(index + ": no such file", e);
        } catch (IOException e) {
            throw new WeightsException(index + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new WeightsException(index + ": not a JSON object");
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw new WeightsException(index + ": no weight_map object");
        if (map.isEmpty()) throw new WeightsException(index + ": weight_map is empty");
        Map<String, Set<String>> byFile = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String tensor = e.getKey();
            JsonNode file = e.getValue();
            if (!file.isTextual()) {
                throw new WeightsException(index + ": weight_map entry for tensor " + tensor + " is not a file name");
            }
            String name = file.asText();
            // shards are siblings of the index: a path would let an index reach outside the model
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")) {
                throw new WeightsException(index + ": tensor " + tensor + " names shard \"" + name
                        + "\", which is not a plain file name in the directory");
            }
            byFile.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(tensor);
        }
        return byFile;
    }
}
