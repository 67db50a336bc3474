package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;

/**
 * The official OpenAI Node client (npm {@code openai}, tests/node/openai-client) runs a chat, a
 * streamed chat and a completion against the server, and sees an unsupported field refused. The
 * client is installed with npm into target/; the test skips, saying so, only where node is absent.
 */
class NodeOpenAiClientTest {
    private static final Path CLIENT = Path.of(System.getProperty("tramontane.basedir", "."), "tests/node/openai-client");

    private static boolean onPath(String tool) {
        try {
            return new ProcessBuilder(tool, "--version").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    @Test
    void theOfficialNodeClientChatsStreamsAndCompletes() throws Exception {
        assumeTrue(onPath("node") && onPath("npm"), "node and npm are not on PATH: skipping the OpenAI Node client test"
                + " (.ci/run installs them)");
        Path dir = Path.of(System.getProperty("tramontane.basedir", "."), "target/node-client");
        Files.createDirectories(dir);
        for (String f : new String[] {"package.json", "client.mjs"}) {
            Files.copy(CLIENT.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(dir.resolve("node_modules/openai"))) {
            run(dir, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error"));
        }
        try (TestServer s = TestServer.start(new EngineOptions(16, 64, 8, 0), "node-key", 64)) {
            String out = run(dir, List.of("node", "client.mjs", "http://127.0.0.1:" + s.server.port() + "/v1", "node-key",
                    TestServer.MODEL));
            JsonNode r = TestServer.json(out.lines().reduce((a, b) -> b).orElse(""));
            assertEquals("length", r.get("chat").get("finish").asText());
            assertEquals(5, r.get("chat").get("usage").get("completion_tokens").asInt());
            assertEquals("length", r.get("stream").get("finish").asText());
            assertEquals(5, r.get("stream").get("usage").get("completion_tokens").asInt());
            assertTrue(!r.get("stream").get("text").asText().isEmpty());
            assertEquals(4, r.get("completion").get("usage").get("completion_tokens").asInt());
            assertEquals(400, r.get("refused").get("status").asInt(), out);
            assertEquals("tools", r.get("refused").get("param").asText(), out);
        }
    }
}
