package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.testing.Fixtures;

/** tests/modeltest/run.sh as a MindIE user types it: a fresh process, the packaged jar. */
class ModelTestIT {
    @Test
    void boolqThroughRunSh(@TempDir Path out) throws Exception {
        JarIT.Proc p = JarIT.exec(Map.of(), "bash", "tests/modeltest/run.sh", "pa_fp16", "full_BoolQ", "[1,4]", "mixtral",
                "chat", Fixtures.dir("tiny-mixtral").toString(), "trust_remote_code", "1", "--dtype", "fp32",
                "--dataset-path", Fixtures.dir("boolq").resolve("dev.jsonl").toString(), "--output-dir", out.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("BoolQ batch 4: accuracy 0.5833333333333334 (14/24)"), p.out());
        List<String> result = Files.readAllLines(
                out.resolve("outputs/results/CPU/precision_test/full/fp32/mixtral/BoolQ_pa_batch1_tp1_full_result.csv"));
        assertEquals(List.of("file_name,value,correct,sum", "total,0.5833333333333334,14,24", "dev.jsonl,0.5833333333333334,14,24"),
                result);
    }

    @Test
    void runShLooksForBoolqBesideItself() throws Exception {
        Path data = Path.of(System.getProperty("tramontane.basedir", ".")).resolve("tests/modeltest/data/boolq");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(data), "a local BoolQ copy is present");
        JarIT.Proc p = JarIT.exec(Map.of(), "bash", "tests/modeltest/run.sh", "pa_fp16", "full_BoolQ", "1", "mixtral",
                Fixtures.dir("tiny-mixtral").toString(), "1");
        assertEquals(1, p.code(), p.err());
        assertTrue(p.err().strip().startsWith("error: BoolQ dataset not found") && p.err().contains(data.toAbsolutePath().toString()),
                p.err());
        JarIT.Proc bad = JarIT.exec(Map.of(), "bash", "tests/modeltest/run.sh", "pa_fp16", "full_MMLU", "1", "mixtral", "w", "8");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("full_BoolQ, performance"), bad.err());
    }

    /** On the NPUs once CANN is sourced (as MindIE's run.sh); ascend-sim writes under NPU/ with the cpu's answers. */
    @Test
    void runShChoosesTheBackend(@TempDir Path out) throws Exception {
        String dataset = Fixtures.dir("boolq").resolve("dev.jsonl").toString();
        String model = Fixtures.dir("tiny-mixtral-8h").toString();
        JarIT.Proc npu = JarIT.exec(Map.of("ASCEND_TOOLKIT_HOME", "/nonexistent"), "bash", "tests/modeltest/run.sh", "pa_fp16",
                "full_BoolQ", "1", "mixtral", model, "2", "--dataset-path", dataset, "--output-dir", out.resolve("npu").toString());
        assertEquals(1, npu.code(), npu.out());
        assertTrue(npu.err().contains("--backend ascend") && npu.err().contains("set_env.sh"), npu.err());
        assertTrue(Files.notExists(out.resolve("npu/outputs")), "nothing written on a refused run");
        String[] backends = {"cpu", "ascend-sim"};
        String[] lines = new String[2];
        for (int i = 0; i < 2; i++) {
            JarIT.Proc p = JarIT.exec(Map.of("ASCEND_TOOLKIT_HOME", "/nonexistent"), "bash", "tests/modeltest/run.sh", "pa_fp16",
                    "full_BoolQ", "1", "mixtral", model, "2", "--backend", backends[i], "--dataset-path", dataset,
                    "--output-dir", out.resolve(backends[i]).toString());
            assertEquals(0, p.code(), p.err());
            lines[i] = p.out().lines().filter(l -> l.startsWith("BoolQ batch 1: accuracy")).findFirst().orElseThrow()
                    .replaceAll(", results in .*", "");
        }
        assertEquals(lines[0], lines[1], "ascend-sim fp16 vs cpu fp16 on tiny-mixtral-8h, world size 2");
        assertTrue(Files.exists(out.resolve(
                "ascend-sim/outputs/results/NPU/precision_test/full/fp16/mixtral/BoolQ_pa_batch1_tp2_full_result.csv")));
    }
}
