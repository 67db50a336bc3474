package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.config.Precision;
import org.tramontane.engine.TensorParallelLm;
import org.tramontane.model.CausalLm;
import org.tramontane.model.ForwardBatch;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.model.MixtralLoader;
import org.tramontane.parallel.Communicator;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.testing.Fixtures;

/**
 * Tensor parallelism on the ascend binding goes through ATB's AllReduce / AllGather operations
 * (simulated: native/ascend/sim/atb_collectives.cpp over the HCCL simulator's rendezvous in sim/hccl.cpp) on
 * each rank's device thread, never through the engine's host Communicator: the collectives' values
 * against a plain reference with both ATB backends (hccl on the group's HcclComm, lccl on ATB's own
 * communicator), a whole tensor-parallel step with a host Communicator that fails if touched, ATB's
 * refusals of bad params and a short workspace, and the collective's failure modes, each an error
 * naming the ATB operation.
 */
class AscendHcclSimTest {
    /** Bounds every test that could hang if a rank waited forever. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(120);

    /** Rank r of ws as the model's Communicator, failing the test if the host path is taken. */
    record HostForbidden(int rank, int worldSize) implements Communicator {
        @Override
        public void allReduceSum(float[] data) {
            throw new AssertionError("rank " + rank + ": the host Communicator was asked to all-reduce");
        }

        @Override
        public float[] allGather(float[] local) {
            throw new AssertionError("rank " + rank + ": the host Communicator was asked to all-gather");
        }

        @Override
        public void abort(Throwable cause) {
        }
    }

    /** Runs work(rank) on one thread per rank at once (as TensorParallelLm does); results or the errors. */
    private static <T> List<Object> onEveryRank(int ws, IntFunction<T> work) {
        ExecutorService pool = Executors.newFixedThreadPool(ws);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int r = 0; r < ws; r++) {
                int rank = r;
                fs.add(pool.submit(() -> work.apply(rank)));
            }
            List<Object> out = new ArrayList<>();
            for (Future<T> f : fs) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    out.add(e.getCause());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void closeAll(List<AscendBackend> group) {
        for (AscendBackend b : group) b.close();
    }

    private static float[] values(long seed, int n) {
        Random rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian() * 3;
        return v;
    }

    private static AscendException fails(Executable call) {
        return assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(AscendException.class, call));
    }

    /**
     * Rank b's all-reduce of t's bytes with the params the tests misuse (tnp_all_reduce): ATB backend
     * string, allReduceType, the aclDataType the bytes are described as, and {@code withhold} bytes
     * less workspace than Setup asked for.
     */
    private static void probeAllReduce(AscendBackend b, DeviceTensor t, String backend, String allReduceType,
            int aclDtype, long withhold) {
        AscendTensor a = (AscendTensor) t;
        HcclRank h = b.hccl();
        b.device().run("probe AllReduce", () -> AscendProbes.tnp_all_reduce(b.device().handle(), backend, h.rank(),
                h.worldSize(), h.comm(), h.domain(), allReduceType, aclDtype, a.addr(), a.byteSize(), withhold));
    }

    private static void assertHas(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "no \"" + p + "\" in: " + message);
    }

    @Test
    void theCollectiveBackendFollowsAtbLlmHcclEnableAsMindIeDoes() {
        assertEquals(CommBackend.LCCL, CommBackend.fromEnvironment(Map.of()));
        assertEquals(CommBackend.LCCL, CommBackend.fromEnvironment(Map.of("ATB_LLM_HCCL_ENABLE", "0")));
        assertEquals(CommBackend.HCCL, CommBackend.fromEnvironment(Map.of("ATB_LLM_HCCL_ENABLE", "1")));
        assertEquals("lccl", CommBackend.LCCL.atbName);
        assertEquals("hccl", CommBackend.HCCL.atbName);
        // the engine's groups take it from the environment
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60);
        try {
            assertEquals(CommBackend.fromEnvironment(System.getenv()), group.get(0).hccl().backend());
        } finally {
            closeAll(group);
        }
    }

    @ParameterizedTest
    @CsvSource({"2, HCCL", "4, HCCL", "2, LCCL", "4, LCCL"})
    void allReduceAndAllGatherMatchAPlainReference(int ws, CommBackend backend) {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, ws, 60, backend);
        try {
            assertEquals(backend, group.get(0).hccl().backend());
            int rows = 3, cols = 5, n = rows * cols;
            // reference: the ranks' contributions added in rank order in f32, as the host path does
            float[] want = values(100, n);
            for (int r = 1; r < ws; r++) {
                float[] v = values(100 + r, n);
                for (int i = 0; i < n; i++) want[i] += v[i];
            }
            float[] gatherWant = new float[ws * n];
            for (int r = 0; r < ws; r++) System.arraycopy(values(200 + r, n), 0, gatherWant, r * n, n);

            List<Object> got = assertTimeoutPreemptively(HANG_GUARD, () -> onEveryRank(ws, r -> {
                AscendBackend b = group.get(r);
                DeviceTensor t = b.allocate(DType.F32, rows, cols);
                b.write(t, values(100 + r, n));
                b.allReduceSum(t, new HostForbidden(r, ws));
                float[] sum = new float[n];
                b.read(t, sum);
                DeviceTensor local = b.allocate(DType.F32, rows, cols);
                b.write(local, values(200 + r, n));
                DeviceTensor all = b.allocate(DType.F32, (long) ws * rows, cols);
                b.allGather(local, all, new HostForbidden(r, ws));
                float[] gathered = new float[ws * n];
                b.read(all, gathered);
                return new float[][] {sum, gathered};
            }));
            for (int r = 0; r < ws; r++) {
                if (got.get(r) instanceof Throwable t) throw new AssertionError("rank " + r + " failed", t);
                float[][] res = (float[][]) got.get(r);
                assertArrayEquals(want, res[0], "rank " + r + " all-reduce (rank-ordered f32 sum, bit for bit)");
                assertArrayEquals(gatherWant, res[1], "rank " + r + " all-gather (rank-major)");
            }
        } finally {
            closeAll(group);
        }
    }

    /**
     * The backend string reaches ATB: with lccl, ATB's runner makes its own communicator and never
     * touches hcclComm, so the collectives still work after every rank's HcclCommDestroy; with hccl
     * the same all-reduce fails on the destroyed communicator (collectivesAfterHcclCommDestroyFail).
     */
    @Test
    void lcclRunsOnAtbsOwnCommunicatorNotTheHcclComm() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60, CommBackend.LCCL);
        try {
            for (AscendBackend b : group) b.hccl().destroy();
            List<Object> got = assertTimeoutPreemptively(HANG_GUARD, () -> onEveryRank(2, r -> {
                AscendBackend b = group.get(r);
                DeviceTensor t = b.allocate(DType.F32, 4);
                b.write(t, new float[] {r + 1, 2 * r, -r, 0.5f});
                b.allReduceSum(t, new HostForbidden(r, 2));
                float[] sum = new float[4];
                b.read(t, sum);
                return sum;
            }));
            for (int r = 0; r < 2; r++) {
                if (got.get(r) instanceof Throwable t) throw new AssertionError("rank " + r + " failed", t);
                assertArrayEquals(new float[] {3, 2, -1, 1}, (float[]) got.get(r), "rank " + r);
            }
        } finally {
            closeAll(group);
        }
    }

    /**
     * A whole tensor-parallel prefill step of tiny-mixtral-8h at ws 2 whose host Communicators throw
     * if used: it must complete (so o_proj's and the MoE's all-reduces and the lm_head all-gather
     * went through ATB on the devices) and agree with the same step at ws 1.
     */
    @ParameterizedTest
    @EnumSource(CommBackend.class)
    void tensorParallelStepUsesAtbCollectivesNotTheHostCommunicator(CommBackend backend) {
        Path dir = Fixtures.dir("tiny-mixtral-8h");
        MixtralConfig cfg = MixtralConfigReader.read(dir.resolve("config.json"));
        ForwardBatch batch = new ForwardBatch(new int[] {1, 22, 333, 44}, new int[] {0, 1, 2, 3}, new int[] {0, 0, 0, 0},
                new int[] {0, 1, 2, 3}, new int[][] {{0}}, new int[] {3});
        float[] single;
        try (AscendBackend b = AscendBackend.open(Precision.FP16, true);
                CausalLm m = MixtralLoader.load(dir, cfg, b)) {
            m.allocateKvCache(2, 16);
            single = m.forward(batch)[0].clone();
        }
        int ws = 2;
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, ws, 60, backend);
        List<CausalLm> ranks = new ArrayList<>();
        List<Communicator> comms = new ArrayList<>();
        try {
            for (int r = 0; r < ws; r++) {
                Communicator host = new HostForbidden(r, ws);
                comms.add(host);
                ranks.add(MixtralLoader.load(dir, cfg, new MixtralLoader.Rank(group.get(r), ShardingPlan.of(cfg, ws, r), host),
                        null));
            }
            try (TensorParallelLm tp = new TensorParallelLm(ranks, comms)) {
                float[] got = assertTimeoutPreemptively(HANG_GUARD, () -> {
                    tp.allocateKvCache(2, 16);
                    return tp.forward(batch)[0];
                });
                double worst = 0;
                for (int v = 0; v < got.length; v++) worst = Math.max(worst, Math.abs(got[v] - single[v]));
                System.out.printf("tiny-mixtral-8h ws 2 (ATB, %s) vs ws 1: max |logit diff| %.4f%n", backend.atbName, worst);
                assertTrue(worst <= 0.05, "ws 2 through ATB " + backend.atbName + " vs ws 1: max |logit diff| " + worst);
            }
        } finally {
            closeAll(group);
        }
    }

    // ---------------------------------------------------------------- ATB's refusals

    @Test
    void aWorkspaceSmallerThanSetupAskedIsRefusedNamingAllReduce() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60, CommBackend.HCCL);
        try {
            AscendBackend r0 = group.get(0);
            DeviceTensor t = r0.allocate(DType.F32, 8);
            // refused before the ranks meet, so rank 1 need not take part
            AscendException e = fails(() -> probeAllReduce(r0, t, "hccl", "sum", AscendNative.ACL_FLOAT, 1));
            // ATB-4: Execute answers a workspace below Setup's with ERROR_INVALID_PARAM
            assertHas(e.getMessage(), "ATB AllReduce(hccl) Execute", "ERROR_INVALID_PARAM",
                    "workspace of 31 bytes, Setup asked for 32");
        } finally {
            closeAll(group);
        }
    }

    @Test
    void badParamsAreRefusedNamingTheOperation() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60, CommBackend.LCCL);
        try {
            AscendBackend r0 = group.get(0);
            DeviceTensor t = r0.allocate(DType.F32, 8);
            int f32 = AscendNative.ACL_FLOAT;
            String m = fails(() -> probeAllReduce(r0, t, "nccl", "sum", f32, 0)).getMessage();
            assertHas(m, "ATB AllReduce(nccl) CreateOperation", "ERROR_INVALID_PARAM", "backend must be hccl or lccl");
            m = fails(() -> probeAllReduce(r0, t, "lccl", "prod", f32, 0)).getMessage();
            assertHas(m, "ATB AllReduce(lccl) CreateOperation", "ERROR_INVALID_PARAM", "prod is not supported by lccl");
            m = fails(() -> probeAllReduce(r0, t, "lccl", "mean", f32, 0)).getMessage();
            assertHas(m, "AllReduce(lccl) CreateOperation", "allReduceType must be sum, prod, max or min");
            // lccl refuses int64 tensors (8 f32 = 4 int64), in Setup
            m = fails(() -> probeAllReduce(r0, t, "lccl", "sum", AscendNative.ACL_INT64, 0)).getMessage();
            assertHas(m, "ATB AllReduce(lccl) Setup", "ERROR_INVALID_TENSOR_DTYPE", "lccl does not support int64");
            // hccl takes prod, the simulator does not
            m = fails(() -> probeAllReduce(r0, t, "hccl", "prod", f32, 0)).getMessage();
            assertHas(m, "ATB AllReduce(hccl) CreateOperation", "ERROR_INVALID_PARAM", "simulator", "prod");
        } finally {
            closeAll(group);
        }
    }

    // ---------------------------------------------------------------- failure modes of the collective

    @ParameterizedTest
    @EnumSource(CommBackend.class)
    void aRankThatNeverArrivesTimesOutNamingAllReduce(CommBackend backend) {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 1, backend);
        try {
            boolean hccl = backend == CommBackend.HCCL;
            AscendBackend r0 = group.get(0);
            DeviceTensor t = r0.allocate(DType.F32, 8);
            String m = fails(() -> r0.allReduceSum(t, new HostForbidden(0, 2))).getMessage();
            assertHas(m, "ATB AllReduce(" + backend.atbName + ") Execute", hccl ? "ERROR_CANN_ERROR" : "ERROR_RT_FAIL",
                    hccl ? "HcclAllReduce" : "Lccl::AllReduce", "HCCL_EXEC_TIMEOUT", "rank(s) 1");
            // the late rank does not wait for a partner that has given up: the group is broken
            AscendBackend r1 = group.get(1);
            DeviceTensor u = r1.allocate(DType.F32, 8);
            m = fails(() -> r1.allReduceSum(u, new HostForbidden(1, 2))).getMessage();
            assertHas(m, "ATB AllReduce(" + backend.atbName + ") Execute", "broken");
        } finally {
            closeAll(group);
        }
    }

    @ParameterizedTest
    @EnumSource(CommBackend.class)
    void ranksThatDisagreeOnTheCountFailNamingAllReduce(CommBackend backend) {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60, backend);
        try {
            List<Object> got = assertTimeoutPreemptively(HANG_GUARD, () -> onEveryRank(2, r -> {
                AscendBackend b = group.get(r);
                DeviceTensor t = b.allocate(DType.F32, r == 0 ? 16 : 12);
                b.allReduceSum(t, new HostForbidden(r, 2));
                return "no error";
            }));
            for (int r = 0; r < 2; r++) {
                assertTrue(got.get(r) instanceof AscendException, "rank " + r + ": " + got.get(r));
                assertHas(((AscendException) got.get(r)).getMessage(), "ATB AllReduce(" + backend.atbName + ") Execute",
                        "disagree", "16", "12");
            }
        } finally {
            closeAll(group);
        }
    }

    @Test
    void collectivesAfterHcclCommDestroyFail() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60, CommBackend.HCCL);
        try {
            AscendBackend r0 = group.get(0);
            DeviceTensor t = r0.allocate(DType.F32, 4);
            r0.hccl().destroy();
            // its own handle is gone
            String own = fails(() -> r0.allReduceSum(t, new HostForbidden(0, 2))).getMessage();
            assertHas(own, "ATB AllReduce(hccl) Execute", "HcclAllReduce", "not a live communicator");
            // and the peer is told at once rather than waiting for a partner that left
            AscendBackend r1 = group.get(1);
            DeviceTensor u = r1.allocate(DType.F32, 4);
            String peer = fails(() -> r1.allReduceSum(u, new HostForbidden(1, 2))).getMessage();
            assertHas(peer, "ATB AllReduce(hccl) Execute", "HcclAllReduce", "rank 0 destroyed");
        } finally {
            closeAll(group);
        }
    }

    @Test
    void aCollectiveOnAThreadWithoutSetDeviceReports107002() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60, CommBackend.HCCL);
        try {
            AscendBackend b = group.get(0);
            AscendTensor local = (AscendTensor) b.allocate(DType.F32, 4);
            AscendTensor out = (AscendTensor) b.allocate(DType.F32, 8);
            // this (test) thread never called aclrtSetDevice: only the backend's device thread did. The
            // first device call after AllGather's Setup is the workspace's aclrtMalloc, which fails there.
            int status = AscendNative.tna_all_gather(b.device().handle(), "hccl", 0, 2, b.hccl().comm(),
                    b.hccl().domain(), local.address(), AscendNative.ACL_FLOAT, 4, out.address());
            String m = AscendNative.tna_last_error();
            assertEquals(107002, status, m);  // ACL_ERROR_RT_CONTEXT_NULL
            assertHas(m, "aclrtMalloc", "107002", "aclrtSetDevice");
        } finally {
            closeAll(group);
        }
    }

    @Test
    void aBackendOutsideAGroupOrCalledAsAnotherRankRefuses() {
        try (AscendBackend alone = AscendBackend.open(Precision.FP16, true)) {
            DeviceTensor t = alone.allocate(DType.F32, 4);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> alone.allReduceSum(t, new HostForbidden(0, 2)));
            assertTrue(e.getMessage().contains("createGroup"), e.getMessage());
        }
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60);
        try {
            DeviceTensor t = group.get(1).allocate(DType.F32, 4);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> group.get(1).allReduceSum(t, new HostForbidden(0, 2)));
            assertFalse(e.getMessage().isEmpty());
            assertTrue(e.getMessage().contains("HCCL rank 1 of 2"), e.getMessage());
        } finally {
            closeAll(group);
        }
    }
}
