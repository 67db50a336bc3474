package org.tramontane.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.ascend.AscendBackend;
import org.tramontane.backend.ascend.CommBackend;
import org.tramontane.cli.Main;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.config.Precision;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.Generator;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.SamplingParams;
import org.tramontane.engine.TensorParallelLm;
import org.tramontane.engine.TokenListener;
import org.tramontane.model.CausalLm;
import org.tramontane.model.ForwardBatch;
import org.tramontane.model.MixtralLoader;
import org.tramontane.testing.Fixtures;

/**
 * A rank that fails mid-step ({@link RankFault}): the run ends within seconds (the group's
 * collectives time out only after 600 s, so a wait for the failed rank would show), with one line
 * naming the rank and the op.
 */
class RankFaultTest {
    @AfterEach
    void clearFault() {
        System.clearProperty(RankFault.PROPERTY);
    }

    @Test
    void specsParse() {
        assertEquals(new RankFault(1, RankFault.Op.ALLREDUCE, 3, false), RankFault.parse("rank:1,op:allreduce,call:3", "X"));
        assertEquals(new RankFault(0, RankFault.Op.ALLGATHER, 1, true),
                RankFault.parse("op:allgather, call:1, rank:0, kind:error", "X"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"rank:1,op:allreduce;call", "rank:1,op:bcast,call:1;bcast", "rank:-1,op:allreduce,call:1;rank",
            "rank:1,op:allreduce,call:0;call", "rank:x,op:allreduce,call:1;rank", "rank:1,op:allreduce,call:1,when:now;when",
            "rank:1,op:allreduce,call:1,kind:segv;kind"})
    void badSpecsAreRefusedNamingTheVariableAndTheKey(String spec, String key) {
        ParallelException e = assertThrows(ParallelException.class, () -> RankFault.parse(spec, RankFault.VARIABLE));
        assertTrue(e.getMessage().startsWith(RankFault.VARIABLE + "=" + spec + ": ") && e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void aRankOutsideTheGroupIsRefused() {
        System.setProperty(RankFault.PROPERTY, "rank:2,op:allreduce,call:1");
        ParallelException e = assertThrows(ParallelException.class, () -> new InProcessGroup(2, 60));
        assertTrue(e.getMessage().contains("-D" + RankFault.PROPERTY) && e.getMessage().contains("world size 2"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"allreduce,3,exception", "allreduce,1,error", "allgather,2,exception"})
    void aFailingRankEndsTheStepAtOnceNamingRankAndOp(String op, int call, String kind) {
        System.setProperty(RankFault.PROPERTY, "rank:1,op:" + op + ",call:" + call + ",kind:" + kind);
        ModelSource source = new ModelSource(Fixtures.dir("tiny-mixtral-8h"), ModelSource.LoadFormat.AUTO, null, BackendKind.CPU, 0, 2);
        try (LlmEngine engine = LlmEngine.open(source, new EngineOptions(16, 64, 4, 0))) {
            GenerationRequest req = new GenerationRequest(new int[] {1, 22557, 1526}, 4, true, SamplingParams.greedy());
            RankFailure e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(RankFailure.class, () -> engine.generate(List.of(req), TokenListener.NONE)));
            assertTrue(e.getMessage().startsWith("tensor-parallel rank 1 failed: ")
                    && e.getMessage().contains(op + " call " + call + " on rank 1"), e.getMessage());
        }
    }

    /**
     * The same on ascend-sim, whose collectives run on the device threads. With ATB's hccl backend
     * the failing rank destroys its communicator, which breaks the HCCL group, so the ranks already
     * waiting for it fail at once instead of after HCCL_EXEC_TIMEOUT. ATB's
     * lccl communicator has no destroy: the engine stops waiting for its ranks after its grace.
     */
    @ParameterizedTest
    @CsvSource({"HCCL,allreduce,3,exception,2", "HCCL,allreduce,1,error,4", "HCCL,allgather,2,exception,2",
            "LCCL,allreduce,3,exception,2", "LCCL,allreduce,1,error,4", "LCCL,allgather,2,exception,4"})
    void onAscendSimAFailingRankEndsTheStepAtOnceNamingRankAndOp(CommBackend backend, String op, int call, String kind,
            int worldSize) {
        System.setProperty(RankFault.PROPERTY, "rank:1,op:" + op + ",call:" + call + ",kind:" + kind);
        RankFailure e = failOnAscendSim(backend, worldSize, r -> null);
        assertTrue(e.getMessage().startsWith("tensor-parallel rank 1 failed: ")
                && e.getMessage().contains(op + " call " + call + " on rank 1"), e.getMessage());
    }

    /**
     * A rank that fails before its first collective has released nothing: the others wait for it in
     * the first all-reduce, on either backend, until the engine's grace ends the step.
     */
    @ParameterizedTest
    @CsvSource({"HCCL,2", "HCCL,4", "LCCL,2", "LCCL,4"})
    void onAscendSimARankFailingBeforeItsFirstCollectiveEndsTheStep(CommBackend backend, int worldSize) {
        RankFailure e = failOnAscendSim(backend, worldSize, rank -> rank != 1 ? null : batch -> {
            throw new IllegalStateException("rank 1 fails before its first collective");
        });
        assertTrue(e.getMessage().startsWith("tensor-parallel rank 1 failed: ")
                && e.getMessage().contains("before its first collective"), e.getMessage());
    }

    /**
     * What a step on a group of worldSize ascend-sim ranks fails with, within seconds;
     * {@code failing} may replace a rank's forward. The group's collectives time out after
     * {@link #EXEC_TIMEOUT_SECONDS}, past the test's own timeout, so a wait for the failed rank fails
     * the test; a rank the engine abandoned is closed afterwards, which waits for its collective to
     * time out (its device thread runs the close after the call), so no device stays in use.
     */
    private static final int EXEC_TIMEOUT_SECONDS = 8;

    private static RankFailure failOnAscendSim(CommBackend backend, int worldSize,
            IntFunction<Function<ForwardBatch, float[][]>> failing) {
        Path dir = Fixtures.dir("tiny-mixtral-8h");
        MixtralConfig cfg = MixtralConfigReader.read(dir.resolve("config.json"));
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, worldSize, EXEC_TIMEOUT_SECONDS, backend);
        TensorParallelLm model = null;
        List<CausalLm> ranks = new ArrayList<>();
        try {
            InProcessGroup host = new InProcessGroup(worldSize, 600);
            List<Communicator> comms = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                comms.add(host.rank(r));
                CausalLm rank = MixtralLoader.load(dir, cfg,
                        new MixtralLoader.Rank(group.get(r), ShardingPlan.of(cfg, worldSize, r), comms.get(r)), null);
                var forward = failing.apply(r);
                ranks.add(forward == null ? rank : new FailingForward(rank, forward));
            }
            model = new TensorParallelLm(ranks, comms);
            Generator gen = new Generator(model, new EngineOptions(16, 64, 4, 0), cfg.eosTokenId());
            GenerationRequest req = new GenerationRequest(new int[] {1, 22557, 1526}, 4, true, SamplingParams.greedy());
            RankFailure failure = assertTimeoutPreemptively(Duration.ofSeconds(EXEC_TIMEOUT_SECONDS - 2),
                    () -> assertThrows(RankFailure.class, () -> gen.generate(List.of(req), TokenListener.NONE)));
            // the stopped group refuses the next step at once (an abandoned rank's thread is still busy)
            ParallelException again = assertTimeoutPreemptively(Duration.ofSeconds(2),
                    () -> assertThrows(ParallelException.class, () -> gen.generate(List.of(req), TokenListener.NONE)));
            assertTrue(again.getMessage().startsWith("tensor-parallel group stopped: tensor-parallel rank 1 failed: "),
                    again.getMessage());
            return failure;
        } finally {
            if (model != null) model.close();
            for (int r = 0; r < worldSize; r++) {
                if (model != null && model.abandoned(r)) ranks.get(r).close();
                group.get(r).close();
            }
        }
    }

    /** A rank whose forward is replaced (a failure before any collective). */
    private record FailingForward(CausalLm rank, Function<ForwardBatch, float[][]> forward)
            implements CausalLm {
        @Override
        public int vocabSize() {
            return rank.vocabSize();
        }

        @Override
        public int slidingWindow() {
            return rank.slidingWindow();
        }

        @Override
        public void allocateKvCache(int numBlocks, int blockSize) {
            rank.allocateKvCache(numBlocks, blockSize);
        }

        @Override
        public float[][] forward(ForwardBatch batch) {
            return forward.apply(batch);
        }

        @Override
        public void close() {
            rank.close();
        }
    }

    @Test
    void theCliPrintsOneLineNamingRankAndOp() {
        System.setProperty(RankFault.PROPERTY, "rank:1,op:allreduce,call:2,kind:error");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Main.run(new String[] {"generate", "--model",
                Fixtures.dir("tiny-mixtral-8h").toString(), "--world-size", "2", "--input-ids", "1,22557", "--max-output-length", "4"},
                new PrintWriter(out, true), new PrintWriter(err, true)));
        String e = err.toString().strip();
        assertEquals(1, code, e);
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.contains("tensor-parallel rank 1 failed") && e.contains("allreduce call 2 on rank 1"), e);
        assertFalse(e.contains("\tat "), e);
    }
}
