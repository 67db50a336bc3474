package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.testing.Fixtures;

/**
 * modeltest with {@code --kv-cache-dtype}: issue 22's acceptance on the fixture's BoolQ set, BoolQ
 * predictions with an int8 cache equal to the bf16-cache run's except where that run's
 * |logp(yes) - logp(no)| is under 0.05.
 */
class ModelTestKvCacheTest {
    /** Decisions closer than this may flip between the two caches (issue 22). */
    private static final double CLOSE = 0.05;

    /** The debug CSV's rows (header dropped) of one BoolQ run at batch 4. */
    private static List<List<String>> boolq(Path out, String modelType, String variant, String fixture, String world,
            String dtypeDir, String... options) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("modeltest", modelType, "full_BoolQ", "4", "mixtral", variant,
                Fixtures.dir(fixture).toString(), world, "--dataset-path", ModelTestCommandTest.dev(), "--output-dir",
                out.toString()));
        args.addAll(List.of(options));
        ModelTestCommandTest.Result r = ModelTestCommandTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        List<List<String>> rows = ModelTestCommandTest.csv(out.resolve("outputs/debug/CPU/precision_test/full/" + dtypeDir
                + "/mixtral/BoolQ_pa_batch4_tp" + world + "_debug_info.csv"));
        return rows.subList(1, rows.size());
    }

    private static double margin(List<String> row) {
        return Double.parseDouble(row.get(7)) - Double.parseDouble(row.get(8));
    }

    @ParameterizedTest
    @CsvSource({"pa_fp16,base,tiny-mixtral,1,fp32", "pa_fp16,chat,tiny-mixtral,2,fp32", "pa_bf16,chat,tiny-mixtral-bf16,1,bf16",
            "pa_bf16,base,tiny-mixtral-bf16,1,bf16"})
    void int8CacheKeepsTheBf16CachesPredictions(String modelType, String variant, String fixture, String world, String dtype,
            @TempDir Path out) throws IOException {
        String[] compute = dtype.equals("fp32") ? new String[] {"--dtype", "fp32"} : new String[0];
        List<List<String>> bf16 = boolq(out.resolve("bf16"), modelType, variant, fixture, world, dtype,
                concat(compute, "--kv-cache-dtype", "bf16"));
        List<List<String>> int8 = boolq(out.resolve("int8"), modelType, variant, fixture, world, dtype,
                concat(compute, "--kv-cache-dtype", "int8"));
        assertEquals(24, bf16.size());
        assertEquals(bf16.size(), int8.size());
        int compared = 0;
        double moved = 0;
        for (int i = 0; i < bf16.size(); i++) {
            assertEquals(bf16.get(i).get(2), int8.get(i).get(2), "same prompt ids, item " + i);
            moved = Math.max(moved, Math.abs(margin(bf16.get(i)) - margin(int8.get(i))));
            if (Math.abs(margin(bf16.get(i))) < CLOSE) continue;
            assertEquals(bf16.get(i).get(4), int8.get(i).get(4), "prediction of item " + i + ", bf16-cache margin "
                    + margin(bf16.get(i)) + ", int8-cache margin " + margin(int8.get(i)));
            compared++;
        }
        assertTrue(compared >= 20, "most items are clear decisions: " + compared);
        // the two runs really stored different caches: int8 rounding moves every log-probability a little
        assertTrue(moved > 1e-6, "the int8 cache changed nothing: was --kv-cache-dtype applied? " + moved);
    }

    @Test
    void aKvCacheBudgetIsAUsageError(@TempDir Path out) {
        ModelTestCommandTest.Result r = ModelTestCommandTest.run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral",
                ModelTestCommandTest.tiny(), "1", "--kv-cache-memory", "1G", "--dataset-path", ModelTestCommandTest.dev(),
                "--output-dir", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("modeltest sizes its KV pool") && r.err().contains("--kv-cache-memory"), r.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
