package org.tramontane.quant;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shared fixtures (-Dtramontane.fixtures, default ../shared/fixtures); tests skip, saying why, when absent. */
public final class QuantFixtures {
    private QuantFixtures() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path dir(String name) {
        Path root = Path.of(System.getProperty("tramontane.fixtures", "../shared/fixtures"));
        Path d = root.resolve(name);
        assumeTrue(Files.isDirectory(d), "fixture " + d.toAbsolutePath()
                + " not found (set -Dtramontane.fixtures=DIR): skipping fixture test");
        return d;
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] floats(JsonNode arr) {
        float[] v = new float[arr.size()];
        for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(arr.get(i).asText());
        return v;
    }

    public static byte[] int8s(JsonNode arr) {
        byte[] v = new byte[arr.size()];
        for (int i = 0; i < v.length; i++) {
            int x = arr.get(i).asInt();
            if (x < -128 || x > 127) throw new IllegalArgumentException(x + " is not an int8");
            v[i] = (byte) x;
        }
        return v;
    }

    /** Field names of an object, in order. */
    public static List<String> keys(JsonNode obj) {
        List<String> out = new ArrayList<>();
        obj.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
