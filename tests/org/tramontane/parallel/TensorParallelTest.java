package org.tramontane.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.Progress;
import org.tramontane.convert.PreShardedWriter;
import org.tramontane.backend.WeightRef;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.SamplingParams;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.testing.Fixtures;
import org.tramontane.testing.GoldenRun;

/** The sharded model at every allowed world size against the world-size-1 goldens (float math). */
class TensorParallelTest {

    @TempDir
    static Path converted;

    @ParameterizedTest
    @CsvSource({"tiny-mixtral-8h,2,hf", "tiny-mixtral-8h,4,hf", "tiny-mixtral-8h,8,hf", "tiny-mixtral,2,hf",
            "tiny-mixtral,4,hf", "tiny-mixtral-bf16,2,hf", "tiny-mixtral-bf16,4,hf", "tiny-mixtral-swa,2,hf",
            "tiny-mixtral-swa,4,hf", "tiny-mixtral,1,tramontane", "tiny-mixtral,4,tramontane",
            "tiny-mixtral-swa,2,tramontane", "tiny-mixtral-8h,8,tramontane"})
    void shardedModelMatchesGolden(String fixture, int worldSize, String layout) {
        Path hf = Fixtures.dir(fixture);
        JsonNode golden = Fixtures.json(hf.resolve("golden.json"));
        Path dir = hf;
        if (layout.equals("tramontane")) {
            dir = converted.resolve(fixture + "-ws" + worldSize);
            PreShardedWriter.fromHf(hf, dir, worldSize, null, Progress.NONE);
        }
        GoldenRun run = GoldenRun.run(dir, golden, DType.F32, BackendKind.CPU, worldSize);
        {
            List<JsonNode> prompts = run.prompts();
            float[][] first = run.firstLogits();
            List<GenerationResult> out = run.outputs();
            for (int i = 0; i < prompts.size(); i++) {
                JsonNode p = prompts.get(i);
                String what = fixture + " ws " + worldSize + " " + layout + " " + p.get("name").asText();
                if (p.has("last_logits")) {
                    float[] want = Fixtures.floats(p.get("last_logits"));
                    for (int v = 0; v < want.length; v++) assertEquals(want[v], first[i][v], 1e-3, what + " logit " + v);
                }
                int[] want = Fixtures.ints(p.get("greedy").get("ids"));
                JsonNode steps = p.get("greedy").get("steps");
                for (int s = 0; s < want.length; s++) {
                    assertEquals(want[s], out.get(i).outputIds()[s], what + " greedy step " + s);
                    if (steps.get(s).get("margin").asDouble() < 1e-3) break;
                }
            }
        }
    }

    @Test
    void hfToTramontaneToHfIsBitIdenticalAndCorruptionIsCaught(@TempDir Path tmp) throws Exception {
        for (String fixture : new String[] {"tiny-mixtral", "tiny-mixtral-8h"}) {
            int ws = fixture.equals("tiny-mixtral") ? 4 : 8;
            Path ts = tmp.resolve(fixture + "-ts");
            Path back = tmp.resolve(fixture + "-hf");
            PreShardedWriter.fromHf(Fixtures.dir(fixture), ts, ws, null, Progress.NONE);
            PreShardedWriter.toHf(ts, back);
            assertArrayEquals(Files.readAllBytes(Fixtures.dir(fixture).resolve("model.safetensors")),
                    Files.readAllBytes(back.resolve("model.safetensors")), fixture);
        }
        Path ts = tmp.resolve("tiny-mixtral-ts");
        // loading at another world size is refused, naming both
        ModelSource two = new ModelSource(ts, ModelSource.LoadFormat.AUTO, DType.F32, BackendKind.CPU, 0, 2);
        ParallelException e = assertThrows(ParallelException.class, () -> LlmEngine.open(two, EngineOptions.defaults()));
        assertTrue(e.getMessage().contains("world size 4") && e.getMessage().contains("--world-size is 2"), e.getMessage());
        // quantizing at load needs whole rows, which rank files do not have: refused, naming the flag
        ModelSource quantized = new ModelSource(ts, ModelSource.LoadFormat.AUTO, DType.F32, BackendKind.CPU, 0, 4)
                .withQuantize(org.tramontane.config.QuantScheme.W8A8_DYNAMIC);
        org.tramontane.model.ModelException q = assertThrows(org.tramontane.model.ModelException.class,
                () -> LlmEngine.open(quantized, EngineOptions.defaults()));
        assertTrue(q.getMessage().startsWith(ts + ": --quantize"), q.getMessage());
        // a flipped byte in a shard is caught at load
        Path shard = ts.resolve("rank-02/model.safetensors");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length - 5] ^= 0x10;
        Files.write(shard, bytes);
        ModelSource four = new ModelSource(ts, ModelSource.LoadFormat.AUTO, DType.F32, BackendKind.CPU, 0, 4);
        org.tramontane.config.UserException c = assertThrows(org.tramontane.config.UserException.class,
                () -> LlmEngine.open(four, EngineOptions.defaults()));
        assertTrue(c.getMessage().contains("rank-02") && c.getMessage().contains("corrupt"), c.getMessage());
    }

    @Test
    void worldSizesTheModelCannotBeSplitByAreRefused() {
        MixtralConfig cfg = MixtralConfigReader.read(Fixtures.dir("tiny-mixtral").resolve("config.json"));
        ParallelException e = assertThrows(ParallelException.class, () -> ShardingPlan.validate(cfg, 8));
        assertTrue(e.getMessage().contains("num_attention_heads"), e.getMessage());
        assertTrue(assertThrows(ParallelException.class, () -> ShardingPlan.validate(cfg, 3)).getMessage()
                .contains("--world-size 3"));
        ShardingPlan.validate(cfg, 4); // 4 > kv heads 2: kv heads replicated
        ShardingPlan p = ShardingPlan.of(cfg, 4, 3);
        assertEquals(1, p.numHeadsPerRank());
        assertEquals(1, p.numKvHeadsPerRank());
        assertEquals(new TensorShard(Split.COLUMN, 2, 1), p.shard(ShardingPlan.Role.K_PROJ));
        assertEquals(8000, p.vocabPerRank());
    }

    @Test
    void shardsCutTheRightBytes() {
        WeightRef w = new WeightRef(Path.of("f"), 100, 6 * 4 * 2, DType.BF16, new long[] {6, 4});
        WeightRef[] col = new TensorShard(Split.COLUMN, 3, 1).of(w);
        assertEquals(1, col.length);
        assertEquals(100 + 2 * 4 * 2, col[0].dataOffset());
        assertArrayEquals(new long[] {2, 4}, col[0].shape());
        WeightRef[] row = new TensorShard(Split.ROW, 2, 1).of(w);
        assertEquals(6, row.length);
        assertEquals(100 + (4 + 2) * 2, row[1].dataOffset());
        assertArrayEquals(new long[] {1, 2}, row[1].shape());
    }

    @Test
    void allReduceAddsInRankOrderOnEveryRank() throws Exception {
        int ws = 4;
        InProcessGroup g = new InProcessGroup(ws, 30);
        ExecutorService pool = Executors.newFixedThreadPool(ws);
        try {
            // values whose float sum depends on the order: only rank order gives this exact result
            float[] contrib = {1e8f, 1f, -1e8f, 1f};
            float want = ((contrib[0] + contrib[1]) + contrib[2]) + contrib[3];
            List<Future<float[]>> fs = new ArrayList<>();
            for (int r = 0; r < ws; r++) {
                final int rank = r;
                fs.add(pool.submit(() -> {
                    float[] d = {contrib[rank]};
                    g.rank(rank).allReduceSum(d);
                    float[] gathered = g.rank(rank).allGather(new float[] {rank});
                    return new float[] {d[0], gathered[0], gathered[1], gathered[2], gathered[3]};
                }));
            }
            for (Future<float[]> f : fs) assertArrayEquals(new float[] {want, 0, 1, 2, 3}, f.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRankThatDiesStopsTheOthers() throws Exception {
        InProcessGroup g = new InProcessGroup(2, 60);
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            Future<?> waiting = pool.submit(() -> g.rank(0).allReduceSum(new float[] {1}));
            Thread.sleep(100);
            g.rank(1).abort(new IllegalStateException("rank 1 ran out of memory"));
            Exception e = assertThrows(Exception.class, () -> waiting.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof ParallelException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("rank 1 ran out of memory"), e.getCause().getMessage());
            // and a rank entering a collective later fails at once
            assertThrows(ParallelException.class, () -> g.rank(0).allGather(new float[] {1}));
        } finally {
            pool.shutdownNow();
        }
    }
}
