package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** --enable-prefix-caching on the verbs: generate's --verbose counts, and chat's second turn reusing the first. */
class PrefixCachingCliTest {
    private static final String IDS = "1,415,2936,349,264,3042,5934,477,272,6085,369,1849,754,272,6163";

    @Test
    void generateVerbosePrintsQueriesAndHits() {
        // the same 15 tokens twice, in blocks of 4: the second finds the first's three full blocks
        CliTest.Result on = CliTest.run("generate", "--model", CliTest.tiny(), "--dtype", "fp32", "--block-size", "4",
                "--input-ids", IDS, "--input-ids", IDS, "--max-output-length", "2", "--enable-prefix-caching", "--verbose");
        assertEquals(0, on.code(), on.err());
        assertTrue(on.err().contains("prefix cache: 30 queries, 12 hits (tokens; hit rate 40.0%)"), on.err());
        CliTest.Result off = CliTest.run("generate", "--model", CliTest.tiny(), "--dtype", "fp32", "--block-size", "4",
                "--input-ids", IDS, "--input-ids", IDS, "--max-output-length", "2", "--no-enable-prefix-caching", "--verbose");
        assertEquals(0, off.code(), off.err());
        assertTrue(off.err().contains("prefix cache: off"), off.err());
        assertEquals(on.out(), off.out(), "the same tokens either way");
        CliTest.Result quiet = CliTest.run("generate", "--model", CliTest.tiny(), "--dtype", "fp32", "--input-ids", IDS,
                "--max-output-length", "2");
        assertFalse(quiet.err().contains("prefix cache"), "no line without --verbose");
    }

    @Test
    void everyVerbThatGeneratesTakesTheFlagAndServeHasItOn() {
        for (String verb : new String[] {"generate", "chat", "run-pa", "serve"}) {
            assertTrue(CliTest.run(verb, "--help").out().contains("--[no-]enable-prefix-caching"), verb);
        }
        assertTrue(CliTest.run("serve", "--help").out().contains("Default: on for serve"));
    }

    @Test
    void chatsSecondTurnStartsFromTheFirstTurnsBlocks() {
        InputStream saved = System.in;
        try {
            String first = "The tramontane is a cold dry wind from the north. ".repeat(20);
            System.setIn(new ByteArrayInputStream((first + "\nAnd where does it blow?\n/exit\n").getBytes(StandardCharsets.UTF_8)));
            CliTest.Result r = CliTest.run("chat", "--model", CliTest.tiny(), "--dtype", "fp32", "--max-output-length", "3",
                    "--enable-prefix-caching", "--verbose");
            assertEquals(0, r.code(), r.err());
            Matcher m = Pattern.compile("prefix cache: (\\d+) of (\\d+) prompt tokens cached").matcher(r.err());
            assertTrue(m.find(), r.err());
            assertEquals("0", m.group(1), "the first turn finds nothing");
            int firstPrompt = Integer.parseInt(m.group(2));
            assertTrue(firstPrompt > 128, "the first turn fills at least one block of 128");
            assertTrue(m.find(), r.err());
            int cached = Integer.parseInt(m.group(1));
            assertTrue(cached >= 128 && cached % 128 == 0 && cached <= firstPrompt, "turn 2 reuses turn 1's full blocks: " + cached);
        } finally {
            System.setIn(saved);
        }
    }
}
