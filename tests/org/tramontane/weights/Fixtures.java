package org.tramontane.weights;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared fixture checkpoints (../shared/fixtures, or -Dtramontane.fixtures=DIR). */
public final class Fixtures {
    private Fixtures() {}

    public static Path root() {
        Path root = Path.of(System.getProperty("tramontane.fixtures", "../shared/fixtures"));
        assumeTrue(Files.isDirectory(root), "fixtures not found at " + root.toAbsolutePath()
                + " (set -Dtramontane.fixtures=DIR): skipping fixture test");
        return root;
    }

    /** A fixture directory, e.g. "tiny-mixtral"; skips the test when the fixtures are absent. */
    public static Path dir(String name) {
        Path d = root().resolve(name);
        assumeTrue(Files.isDirectory(d), "fixture " + d.toAbsolutePath() + " not found: skipping fixture test");
        return d;
    }
}
