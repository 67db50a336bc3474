package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ACL-1 / ACL-3 (aclInit once per process, a repeated aclInit is not a failure, nothing after
 * aclFinalize), each scenario in a JVM of its own ({@link AclLifecycleMain}): the backend tolerates
 * an aclInit another library made, and opening and closing backends never finalises ACL.
 */
class AclLifecycleTest {
    @ParameterizedTest
    @ValueSource(strings = {"external-init", "after-finalize"})
    void scenario(String name) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                AclLifecycleMain.class.getName(), name).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), name + " did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.strip().endsWith("ok"), out);
        if (name.equals("after-finalize")) assertTrue(out.contains("100001"), out);
    }
}
