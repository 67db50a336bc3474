package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tramontane.testing.Fixtures;

/** {@code serve} and {@code bench-serve} from the packaged jar, as a user runs them: two processes on loopback. */
class ServeIT {
    private static final Pattern LISTENING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)/v1");

    private static ProcessBuilder jar(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("java", "-jar", System.getProperty("tramontane.jar")));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(Path.of(System.getProperty("tramontane.basedir", ".")).toFile());
        pb.environment().remove("ASCEND_RT_VISIBLE_DEVICES");
        return pb;
    }

    @Test
    void serveOnAnyPortThenBenchServeAgainstIt() throws Exception {
        Process server = jar("serve", "--model", Fixtures.dir("tiny-mixtral").toString(), "--port", "0", "--served-model-name",
                "tiny", "--num-blocks", "64", "--block-size", "16", "--api-key", "k").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String port = null;
            for (String line; port == null && (line = out.readLine()) != null; ) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) port = m.group(1);
            }
            assertNotNull(port, "serve prints where it listens");
            String url = "http://127.0.0.1:" + port;
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());

            Process bench = jar("bench-serve", "--url", url, "--model", "tiny", "--api-key", "k", "--num-prompts", "6",
                    "--concurrency", "3", "--input-len", "8", "--output-len", "4", "--output-format", "json").start();
            String json = new String(bench.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(bench.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(bench.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, bench.exitValue(), err);
            var report = TestServer.json(json);
            assertEquals(6, report.get("completed").asInt(), json);
            assertEquals(24, report.get("total_output_tokens").asInt());
            assertTrue(report.get("mean_ttft_ms").asDouble() > 0);
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
