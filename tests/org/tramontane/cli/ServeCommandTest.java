package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** serve and bench-serve through {@link Main#run}: usage errors exit 2 naming the flag, failures exit 1 in one line. */
class ServeCommandTest {
    @Test
    void serveRefusesABadPortOrQueueAsUsage() {
        CliTest.Result r = CliTest.run("serve", "--model", "x", "--port", "70000");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--port must be in [0, 65535]"), r.err());
        r = CliTest.run("serve", "--model", "x", "--max-queue", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--max-queue must be >= 1"), r.err());
    }

    @Test
    void serveOnAPortInUseFailsInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CliTest.Result r = CliTest.run("serve", "--model", CliTest.tiny(), "--port", "" + taken.getLocalPort());
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().startsWith("error: cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
        }
    }

    @Test
    void benchServeChecksItsFlagsAndSaysWhenNothingAnswers() throws Exception {
        CliTest.Result r = CliTest.run("bench-serve", "--num-prompts", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--num-prompts must be >= 1"), r.err());
        r = CliTest.run("bench-serve", "--request-rate", "fast");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--request-rate must be a number > 0 or inf (got fast)"), r.err());
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        r = CliTest.run("bench-serve", "--url", "http://127.0.0.1:" + closedPort, "--num-prompts", "2", "--input-len", "4",
                "--output-len", "2");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("Successful requests:"), r.out());
        assertTrue(r.err().contains("no request succeeded"), r.err());
    }
}
