package org.tramontane.parallel;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.tramontane.config.JsonKeys;
import org.tramontane.weights.Checkpoint;

/**
 * The tramontane layout as the runtime reads it: a checkpoint cut once for a world size, so loading
 * is a straight copy of each rank's tensors (no gathering of strided slices, no fusing, no dtype
 * conversion at start-up). One directory per rank ({@code rank-00/model.safetensors}, ...), the HF
 * config and tokenizer files beside them, and {@value #MANIFEST}: format version, world size,
 * dtype, the SHA-256 of every source file and the CRC-32C of every shard (checked at load, so a
 * flipped byte is caught). {@code convert.PreShardedWriter} writes it.
 */
public final class PreShardedCheckpoint {
    public static final String MANIFEST = "manifest.json";
    public static final String FORMAT = "tramontane";
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PreShardedCheckpoint() {}

    /** manifest.json. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Manifest(@JsonProperty("format") String format, @JsonProperty("format_version") int formatVersion,
            @JsonProperty("world_size") int worldSize, @JsonProperty("dtype") String dtype,
            @JsonProperty("sources") List<SourceFile> sources, @JsonProperty("shards") List<Shard> shards) {
    }

    public record SourceFile(@JsonProperty("name") String name, @JsonProperty("sha256") String sha256) {
    }

    public record Shard(@JsonProperty("rank") int rank, @JsonProperty("file") String file,
            @JsonProperty("bytes") long bytes, @JsonProperty("crc32c") String crc32c) {
    }

    public static boolean isPreSharded(Path dir) {
        return Files.isRegularFile(dir.resolve(MANIFEST));
    }

    /** Where rank {@code rank}'s shard lives, relative to the checkpoint directory. */
    public static String rankFile(int rank) {
        return String.format("rank-%02d/%s", rank, Checkpoint.SINGLE_FILE);
    }

    /** Writes {@value #MANIFEST} into {@code dir} (the converter's side of the format). */
    public static void writeManifest(Path dir, Manifest m) throws IOException {
        JSON.writeValue(dir.resolve(MANIFEST).toFile(), m);
    }

    /** The manifest of {@code dir}, its format checked, for whatever world size it was cut. */
    public static Manifest readManifest(Path dir) {
        Path file = dir.resolve(MANIFEST);
        Manifest m;
        try {
            m = JSON.readValue(file.toFile(), Manifest.class);
        } catch (JsonProcessingException e) {
            throw new ParallelException(JsonKeys.invalidJson(file, e), e);
        } catch (IOException e) {
            throw new ParallelException(file + ": cannot read the manifest: " + e.getMessage(), e);
        }
        if (m == null) throw new ParallelException(file + ": null, expected the manifest's JSON object");
        if (!FORMAT.equals(m.format()) || m.formatVersion() != FORMAT_VERSION) {
            throw new ParallelException(file + ": format " + m.format() + " version " + m.formatVersion()
                    + " is not " + FORMAT + " version " + FORMAT_VERSION);
        }
        return m;
    }

    /** The manifest, checked against the world size asked for. */
    public static Manifest readManifest(Path dir, int worldSize) {
        Manifest m = readManifest(dir);
        if (m.worldSize() != worldSize) {
            throw new ParallelException(dir + " was converted for world size " + m.worldSize() + " but --world-size is "
                    + worldSize + " (convert it again, or run with --world-size " + m.worldSize() + ")");
        }
        if (m.shards() == null || m.shards().size() != worldSize) {
            throw new ParallelException(dir.resolve(MANIFEST) + ": lists " + (m.shards() == null ? 0 : m.shards().size())
                    + " shards for world size " + worldSize);
        }
        return m;
    }

    /** Rank {@code rank}'s shard, its CRC-32C verified against the manifest. */
    public static Checkpoint openRank(Path dir, Manifest m, int rank) {
        Shard s = m.shards().get(rank);
        Path file = dir.resolve(s.file());
        if (s.rank() != rank) {
            throw new ParallelException(dir.resolve(MANIFEST) + ": shard " + rank + " is listed as rank " + s.rank());
        }
        String crc = crc32c(file);
        if (!crc.equals(s.crc32c())) {
            throw new ParallelException(file + ": checksum " + crc + " does not match the manifest (" + s.crc32c()
                    + "): the shard is corrupt");
        }
        return Checkpoint.open(file.getParent());
    }

    /** CRC-32C of a whole file, as eight hex digits. */
    public static String crc32c(Path file) {
        CRC32C crc = new CRC32C();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) crc.update(buf, 0, n);
        } catch (IOException e) {
            throw new ParallelException(file + ": cannot read: " + e.getMessage(), e);
        }
        return String.format("%08x", crc.getValue());
    }
}
