package org.tramontane.backend.ascend;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.tramontane.backend.HostCollectives;

/**
 * One device's place in a tensor-parallel HCCL group: its HcclComm, rank and world size, and the
 * group's ATB collective backend and commDomain (a name of its own per group in the process, as
 * ATB's lccl runner keys its communicator by it). Runs the group's ATB AllReduce / AllGather on
 * the device's thread; the other ranks' threads meet it there.
 */
final class HcclRank {
    private static final AtomicLong GROUPS = new AtomicLong();

    private final AscendDevice device;
    private final long comm;
    private final int rank;
    private final int worldSize;
    private final CommBackend backend;
    private final String domain;
    private boolean destroyed;

    private HcclRank(AscendDevice device, long comm, int rank, int worldSize, CommBackend backend, String domain) {
        this.device = device;
        this.comm = comm;
        this.rank = rank;
        this.worldSize = worldSize;
        this.backend = backend;
        this.domain = domain;
    }

    /**
     * Joins the devices in one HCCL group, device r as rank r: HcclGetRootInfo on rank 0's device
     * thread, then HcclCommInitRootInfo on every rank's device thread at once (each returns only when
     * all have joined, so they cannot run one after another). {@code execTimeoutSeconds} becomes
     * HCCL_EXEC_TIMEOUT: how long a rank waits for the others in a collective before its call fails.
     */
    static List<HcclRank> join(List<AscendDevice> devices, int execTimeoutSeconds, CommBackend backend) {
        String domain = Long.toString(GROUPS.incrementAndGet());
        byte[] rootInfo = new byte[Math.toIntExact(AscendNative.tna_hccl_root_info_bytes())];
        AscendDevice root = devices.get(0);
        root.run("HcclGetRootInfo", () -> AscendNative.tna_hccl_root_info(root.handle(), execTimeoutSeconds, rootInfo));
        int worldSize = devices.size();
        List<Future<Long>> joins = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            AscendDevice d = devices.get(r);
            int rank = r;
            joins.add(d.submit(() -> {
                long[] comm = new long[1];
                d.check(AscendNative.tna_hccl_init(d.handle(), worldSize, rootInfo, rank, comm),
                        "join the HCCL group as rank " + rank + " of " + worldSize);
                return comm[0];
            }));
        }
        List<HcclRank> ranks = new ArrayList<>();
        RuntimeException first = null;
        for (int r = 0; r < worldSize; r++) {
            try {
                ranks.add(new HcclRank(devices.get(r), joins.get(r).get(), r, worldSize, backend, domain));
            } catch (ExecutionException e) {
                RuntimeException c = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                if (first == null) first = c;
                else first.addSuppressed(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the ranks joined the HCCL group", e);
            }
        }
        if (first != null) throw first;
        return ranks;
    }

    long comm() {
        return comm;
    }

    int rank() {
        return rank;
    }

    int worldSize() {
        return worldSize;
    }

    CommBackend backend() {
        return backend;
    }

    String domain() {
        return domain;
    }

    /** In place: t = the sum of every rank's t in t's dtype (ATB AllReduce, allReduceType "sum"). */
    void allReduceSum(AscendTensor t, HostCollectives ranks) {
        requireSameGroup(ranks);
        int dt = AscendTensors.aclType(t.dtype());
        device.run("allReduceSum (ATB AllReduce, " + backend.atbName + ")", () -> AscendNative.tna_all_reduce_sum(
                device.handle(), backend.atbName, rank, worldSize, comm, domain, t.addr(), dt, t.numElements()));
    }

    /** out = every rank's local, rank-major ([worldSize, local...]), one dtype (ATB AllGather). */
    void allGather(AscendTensor local, AscendTensor out, HostCollectives ranks) {
        requireSameGroup(ranks);
        if (out.numElements() != local.numElements() * worldSize || out.dtype() != local.dtype()) {
            throw new IllegalArgumentException("allGather: out " + out + " is not " + worldSize + " x " + local);
        }
        int dt = AscendTensors.aclType(local.dtype());
        device.run("allGather (ATB AllGather, " + backend.atbName + ")", () -> AscendNative.tna_all_gather(
                device.handle(), backend.atbName, rank, worldSize, comm, domain, local.addr(), dt, local.numElements(),
                out.addr()));
    }

    /** The caller's ranks must be this group: a mismatch would pair the wrong ranks. */
    private void requireSameGroup(HostCollectives ranks) {
        if (ranks.rank() != rank || ranks.worldSize() != worldSize) {
            throw new IllegalStateException(device.describe() + " is HCCL rank " + rank + " of " + worldSize
                    + ", called as rank " + ranks.rank() + " of " + ranks.worldSize());
        }
    }

    /**
     * HcclCommDestroy on the device thread, once. The handle stays in the params of later
     * collectives, which then fail on it, as the other ranks' do.
     */
    void destroy() {
        if (destroyed) return;
        destroyed = true;
        device.run("HcclCommDestroy", () -> AscendNative.tna_hccl_destroy(device.handle(), comm));
    }
}
