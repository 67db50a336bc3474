package org.tramontane.backend.ascend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.tramontane.config.DType;

/**
 * One opened device: the thread that called aclrtSetDevice (every native call of the device runs
 * on it, as ACL binds a device to the calling thread), the facade's handle (stream, ATB context)
 * and the device memory allocated through it, freed when the device closes. Logical device ids
 * are taken in order, one per open device in the process.
 */
final class AscendDevice implements AutoCloseable {
    private static final BitSet DEVICES_IN_USE = new BitSet();
    private static boolean finalizeHooked;  // guarded by DEVICES_IN_USE

    private final int id;
    private final boolean simulator;
    private final ExecutorService thread;
    private final long handle;
    private final List<AscendTensor> owned = new ArrayList<>();
    private boolean closed;

    private AscendDevice(boolean simulator) {
        this.simulator = simulator;
        synchronized (DEVICES_IN_USE) {
            id = DEVICES_IN_USE.nextClearBit(0);
            DEVICES_IN_USE.set(id);
        }
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ascend-device-" + id);
            t.setDaemon(true);
            return t;
        });
        try {
            handle = on(() -> {
                int[] status = new int[1];
                long h = AscendNative.tna_open(id, status);
                if (h == 0) throw failure("open device " + id, status[0]);
                return h;
            });
        } catch (RuntimeException e) {
            thread.shutdownNow();
            release();
            throw e;
        }
    }

    /**
     * aclrtSetDevice on a new device thread of the next free logical device, a stream, an ATB
     * context. {@code simulator} must match what this build links: the real CANN runtime (with the
     * {@code ascend} Maven profile) or the simulator; neither stands in for the other.
     */
    static AscendDevice open(boolean simulator) {
        boolean built;
        try {
            built = AscendNative.tna_is_simulator() == 1;
        } catch (UnsatisfiedLinkError e) {
            throw new AscendException("--backend ascend: cannot load the Ascend runtime (libascendcl.so, libatb.so): "
                    + "run `source /usr/local/Ascend/ascend-toolkit/set_env.sh && source "
                    + "/usr/local/Ascend/nnal/atb/set_env.sh` first (" + e.getMessage() + ")");
        }
        if (!simulator && built) {
            throw new AscendException("--backend ascend: this build has no Ascend runtime; on an Ascend host run "
                    + "`source /usr/local/Ascend/ascend-toolkit/set_env.sh && source /usr/local/Ascend/nnal/atb/set_env.sh`"
                    + " and rebuild with `mvn -Pascend package` (--backend ascend-sim runs the CPU simulator)");
        }
        if (simulator && !built) {
            throw new AscendException("--backend ascend-sim: this build links the real CANN runtime, not the simulator"
                    + " (use --backend ascend)");
        }
        finalizeAtExit();
        return new AscendDevice(simulator);
    }

    /**
     * ACL is initialised once per process and cannot be again after aclFinalize, so devices never
     * finalise when they close; the facade's aclFinalize runs once, when the JVM exits.
     */
    private static void finalizeAtExit() {
        synchronized (DEVICES_IN_USE) {
            if (finalizeHooked) return;
            finalizeHooked = true;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(AscendNative::tna_finalize, "aclFinalize"));
    }

    /** The facade's handle of this device (tna_device*). */
    long handle() {
        return handle;
    }

    /** What the facade has asked of this device's runtime since it opened (the device-speed figures). */
    DeviceCounters counters() {
        long[] c = new long[4];
        run("counters", () -> AscendNative.tna_counters(handle, c));
        return new DeviceCounters(c[0], c[1], c[2], c[3]);
    }

    /** Runs native work on this device's thread and returns its result. */
    <T> T on(Supplier<T> work) {
        Future<T> f = thread.submit(work::get);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for ascend device " + id, e);
        }
    }

    /** Runs one facade call on this device's thread; a non-zero status becomes an AscendException naming op. */
    void run(String op, IntSupplier call) {
        on(() -> {
            check(call.getAsInt(), op);
            return null;
        });
    }

    /** Submits work to this device's thread without waiting (the ranks of a group join HCCL at once). */
    <T> Future<T> submit(Supplier<T> work) {
        return thread.submit(work::get);
    }

    void check(int status, String op) {
        if (status != 0) throw failure(op, status);
    }

    private AscendException failure(String op, int status) {
        return new AscendException(describe() + ": " + op + " failed: " + AscendNative.tna_last_error()
                + " [status " + status + "]");
    }

    /** "ascend device 3" or "ascend-sim device 3", as errors name it. */
    String describe() {
        return "ascend" + (simulator ? "-sim" : "") + " device " + id;
    }

    /** Uninitialised device memory for a tensor of this shape, owned by this device until freed. */
    AscendTensor alloc(DType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        long bytes = Math.max(1, Math.multiplyExact(n, (long) dtype.elemBytes));
        long addr = on(() -> {
            long[] out = new long[1];
            check(AscendNative.tna_malloc(handle, bytes, out), "aclrtMalloc of " + bytes + " bytes");
            return out[0];
        });
        AscendTensor t = new AscendTensor(dtype, shape, addr, true);
        owned.add(t);
        return t;
    }

    /** Frees a tensor this device allocated; views and tensors already freed are left alone. */
    void free(AscendTensor t) {
        if (!t.owner() || !owned.remove(t)) return;
        t.markFreed();
        run("aclrtFree", () -> AscendNative.tna_free(handle, t.address()));
    }

    /** Frees every tensor still allocated, closes stream, context and device, and ends the thread. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            run("close device", () -> {
                for (AscendTensor t : owned) {
                    AscendNative.tna_free(handle, t.address());
                    t.markFreed();
                }
                owned.clear();
                return AscendNative.tna_close(handle);
            });
        } finally {
            thread.shutdownNow();
            release();
        }
    }

    private void release() {
        synchronized (DEVICES_IN_USE) {
            DEVICES_IN_USE.clear(id);
        }
    }
}
