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
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.backend.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.Precision;
import org.tramontane.engine.TensorParallelLm;
import org.tramontane.model.CausalLm;
import org.tramontane.model.ForwardBatch;
import org.tramontane.model.MixtralConfig;
import org.tramontane.model.MixtralConfigReader;
import org.tramontane.model.MixtralLoader;
import org.tramontane.parallel.Communicator;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.testing.Fixtures;

/**
 * Tensor parallelism on the ascend binding goes through HCCL (simulated: native/ascend/sim/hccl.cpp)
 * on each rank's device thread, never through the engine's host Communicator: the collectives'
 * values against a plain reference, a whole tensor-parallel step with a host Communicator that
 * fails if touched, and HCCL's failure modes, each an error naming the HCCL call.
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

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void allReduceAndAllGatherMatchAPlainReference(int ws) {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, ws, 60);
        try {
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
     * A whole tensor-parallel prefill step of tiny-mixtral-8h at ws 2 whose host Communicators throw
     * if used: it must complete (so o_proj's and the MoE's all-reduces and the lm_head all-gather
     * went through HCCL) and agree with the same step at ws 1.
     */
    @Test
    void tensorParallelStepUsesHcclNotTheHostCommunicator() {
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
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, ws, 60);
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
                System.out.printf("tiny-mixtral-8h ws 2 (HCCL) vs ws 1: max |logit diff| %.4f%n", worst);
                assertTrue(worst <= 0.05, "ws 2 through HCCL vs ws 1: max |logit diff| " + worst);
            }
        } finally {
            closeAll(group);
        }
    }

    // ---------------------------------------------------------------- failure modes

    @Test
    void aRankThatNeverArrivesTimesOutNamingHcclAllReduce() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 1);
        try {
            AscendBackend r0 = group.get(0);
            DeviceTensor t = r0.allocate(DType.F32, 8);
            AscendException e = assertTimeoutPreemptively(HANG_GUARD,
                    () -> assertThrows(AscendException.class, () -> r0.allReduceSum(t, new HostForbidden(0, 2))));
            String m = e.getMessage();
            assertTrue(m.contains("HcclAllReduce") && m.contains("HCCL_E_TIMEOUT") && m.contains("HCCL_EXEC_TIMEOUT")
                    && m.contains("rank(s) 1"), m);
            // the late rank does not wait for a partner that has given up: the group is broken
            AscendBackend r1 = group.get(1);
            DeviceTensor u = r1.allocate(DType.F32, 8);
            AscendException late = assertTimeoutPreemptively(HANG_GUARD,
                    () -> assertThrows(AscendException.class, () -> r1.allReduceSum(u, new HostForbidden(1, 2))));
            assertTrue(late.getMessage().contains("HcclAllReduce") && late.getMessage().contains("broken"), late.getMessage());
        } finally {
            closeAll(group);
        }
    }

    @Test
    void ranksThatDisagreeOnTheCountFailNamingHcclAllReduce() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60);
        try {
            List<Object> got = assertTimeoutPreemptively(HANG_GUARD, () -> onEveryRank(2, r -> {
                AscendBackend b = group.get(r);
                DeviceTensor t = b.allocate(DType.F32, r == 0 ? 16 : 12);
                b.allReduceSum(t, new HostForbidden(r, 2));
                return "no error";
            }));
            for (int r = 0; r < 2; r++) {
                assertTrue(got.get(r) instanceof AscendException, "rank " + r + ": " + got.get(r));
                String m = ((AscendException) got.get(r)).getMessage();
                assertTrue(m.contains("HcclAllReduce") && m.contains("disagree") && m.contains("16") && m.contains("12")
                        && m.contains("HCCL_E_PARA"), m);
            }
        } finally {
            closeAll(group);
        }
    }

    @Test
    void collectivesAfterHcclCommDestroyFail() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60);
        try {
            AscendBackend r0 = group.get(0);
            DeviceTensor t = r0.allocate(DType.F32, 4);
            r0.destroyHcclForTests();
            // its own handle is gone
            AscendException own = assertThrows(AscendException.class, () -> r0.allReduceSum(t, new HostForbidden(0, 2)));
            assertTrue(own.getMessage().contains("HcclAllReduce") && own.getMessage().contains("not a live communicator"),
                    own.getMessage());
            // and the peer is told at once rather than waiting for a partner that left
            AscendBackend r1 = group.get(1);
            DeviceTensor u = r1.allocate(DType.F32, 4);
            AscendException peer = assertTimeoutPreemptively(HANG_GUARD,
                    () -> assertThrows(AscendException.class, () -> r1.allReduceSum(u, new HostForbidden(1, 2))));
            assertTrue(peer.getMessage().contains("HcclAllReduce") && peer.getMessage().contains("rank 0 destroyed"),
                    peer.getMessage());
        } finally {
            closeAll(group);
        }
    }

    @Test
    void hcclCallOnAThreadWithoutSetDeviceReports107002() {
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, 2, 60);
        try {
            AscendBackend b = group.get(0);
            AscendTensor local = (AscendTensor) b.allocate(DType.F32, 4);
            AscendTensor out = (AscendTensor) b.allocate(DType.F32, 8);
            // this (test) thread never called aclrtSetDevice: only the backend's device thread did
            int status = AscendNative.tna_all_gather(b.handleForTests(), b.hcclForTests(), local.address(), 4, out.address());
            String m = AscendNative.tna_last_error();
            assertEquals(15, status, m);  // HCCL_E_RUNTIME
            assertTrue(m.contains("HcclAllGather") && m.contains("107002"), m);
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
