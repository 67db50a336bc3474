package org.tramontane.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** ../shared/fixtures, found through the tramontane.fixtures property; tests skip (saying why) when absent. */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    public static Path root() {
        Path p = Path.of(System.getProperty("tramontane.fixtures", "../shared/fixtures"));
        assumeTrue(Files.isDirectory(p), "fixtures folder " + p.toAbsolutePath() + " is absent: skipping");
        return p;
    }

    public static Path dir(String name) {
        return root().resolve(name);
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode arr) {
        int[] v = new int[arr.size()];
        for (int i = 0; i < v.length; i++) v[i] = arr.get(i).asInt();
        return v;
    }

    public static float[] floats(JsonNode arr) {
        float[] v = new float[arr.size()];
        for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(arr.get(i).asText());
        return v;
    }
}
