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
     * The same on ascend-sim with ATB's hccl backend, whose collectives run in HCCL on the device
     * threads: the failing rank destroys its communicator, which breaks the HCCL group, so the ranks
     * already waiting for it in the collective fail at once instead of after HCCL_EXEC_TIMEOUT (the
     * group's 600 s here).
     */
    @ParameterizedTest
    @CsvSource({"allreduce,3,exception,2", "allreduce,1,error,4", "allgather,2,exception,2"})
    void onAscendSimAFailingRankEndsTheStepAtOnceNamingRankAndOp(String op, int call, String kind, int worldSize) {
        System.setProperty(RankFault.PROPERTY, "rank:1,op:" + op + ",call:" + call + ",kind:" + kind);
        Path dir = Fixtures.dir("tiny-mixtral-8h");
        MixtralConfig cfg = MixtralConfigReader.read(dir.resolve("config.json"));
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, worldSize, 600, CommBackend.HCCL);
        try {
            InProcessGroup host = new InProcessGroup(worldSize, 600);
            List<CausalLm> ranks = new ArrayList<>();
            List<Communicator> comms = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                comms.add(host.rank(r));
                ranks.add(MixtralLoader.load(dir, cfg,
                        new MixtralLoader.Rank(group.get(r), ShardingPlan.of(cfg, worldSize, r), comms.get(r)), null));
            }
            try (TensorParallelLm model = new TensorParallelLm(ranks, comms)) {
                Generator gen = new Generator(model, new EngineOptions(16, 64, 4, 0), cfg.eosTokenId());
                GenerationRequest req = new GenerationRequest(new int[] {1, 22557, 1526}, 4, true, SamplingParams.greedy());
                RankFailure e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                        () -> assertThrows(RankFailure.class, () -> gen.generate(List.of(req), TokenListener.NONE)));
                assertTrue(e.getMessage().startsWith("tensor-parallel rank 1 failed: ")
                        && e.getMessage().contains(op + " call " + call + " on rank 1"), e.getMessage());
            }
        } finally {
            for (AscendBackend b : group) b.close();
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
