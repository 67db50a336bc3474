package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.tramontane.config.DType;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;

/** The KV pool's size from --num-blocks, --kv-cache-memory or free memory, and its one-line refusals. */
class KvPoolTest {
    private static final MixtralConfig M8X7B = MixtralConfigReader.read(
            Path.of(System.getProperty("tramontane.basedir", ".")).resolve("configs/mixtral-8x7b.json"));
    private static final long MIB = 1L << 20;

    private static EngineOptions opts(int numBlocks, long memory) {
        return new EngineOptions(128, numBlocks, 8, 0, 2048, memory, KvCacheDtype.AUTO);
    }

    private static GenerationRequest request(int promptLen, int newTokens) {
        return new GenerationRequest(new int[promptLen], newTokens, true, SamplingParams.greedy());
    }

    @Test
    void blockBytesCountEveryLayerAndRankAndInt8Scales() {
        // 32 layers x 8 KV heads x head dim 128, keys and values, 128 positions
        assertEquals(32L * 128 * 2 * 8 * 128 * 2, KvPool.bytesPerBlock(M8X7B, 1, 128, DType.BF16));
        assertEquals(32L * 128 * 2 * 8 * (128 + 4), KvPool.bytesPerBlock(M8X7B, 1, 128, DType.I8));
        // 8 ranks: one KV head each (8 heads split), the same bytes in all
        assertEquals(KvPool.bytesPerBlock(M8X7B, 1, 128, DType.BF16), KvPool.bytesPerBlock(M8X7B, 8, 128, DType.BF16));
        double ratio = KvPool.bytesPerBlock(M8X7B, 1, 128, DType.I8) / (double) KvPool.bytesPerBlock(M8X7B, 1, 128, DType.BF16);
        assertTrue(ratio <= 0.53, "int8 / bf16 cache bytes " + ratio);
    }

    @Test
    void budgetGivesWholeBlocks() {
        KvPool pool = new KvPool(opts(0, 100 * MIB + 5), 4 * MIB, OptionalLong.of(1L << 40));
        assertEquals(25, pool.fixedBlocks());
        assertEquals(7, new KvPool(opts(7, 0), 4 * MIB, OptionalLong.empty()).fixedBlocks());
        assertEquals(0, new KvPool(opts(0, 0), 4 * MIB, OptionalLong.of(1L << 40)).fixedBlocks());
    }

    @Test
    void poolsMemoryCannotHoldAreRefusedNamingNeedAndAvailable() {
        // 100 MiB available, 90 MiB of it usable: 22 blocks of 4 MiB fit, 24 do not
        OptionalLong avail = OptionalLong.of(100 * MIB);
        assertEquals(22, new KvPool(opts(22, 0), 4 * MIB, avail).fixedBlocks());
        EngineException e = assertThrows(EngineException.class, () -> new KvPool(opts(24, 0), 4 * MIB, avail).fixedBlocks());
        assertEquals("KV cache of 24 blocks (--num-blocks 24) needs 96.0 MiB but 90.0 MiB of memory is available"
                + " (MemAvailable less 10%)", e.getMessage());
        e = assertThrows(EngineException.class, () -> new KvPool(opts(0, MIB), 4 * MIB, avail).fixedBlocks());
        assertEquals("--kv-cache-memory 1.0 MiB holds no KV block (one block of 128 positions takes 4.0 MiB)", e.getMessage());
    }

    @Test
    void defaultPoolHoldsEveryRequestAsFarAsMemoryAllows() {
        // requests of 2 and 3 blocks (128 positions each)
        List<GenerationRequest> reqs = List.of(request(200, 56), request(300, 84));
        assertEquals(5, new KvPool(opts(0, 0), 4 * MIB, OptionalLong.empty()).forRequests(reqs));
        assertEquals(5, new KvPool(opts(0, 0), 4 * MIB, OptionalLong.of(1L << 40)).forRequests(reqs));
        // 4 blocks of memory: both cannot run at once, each fits alone
        assertEquals(4, new KvPool(opts(0, 0), 4 * MIB, OptionalLong.of(18 * MIB)).forRequests(reqs));
        EngineException e = assertThrows(EngineException.class,
                () -> new KvPool(opts(0, 0), 4 * MIB, OptionalLong.of(10 * MIB)).forRequests(reqs));
        assertTrue(e.getMessage().startsWith("KV cache too small: a request of 3 blocks needs 12.0 MiB but 9.0 MiB of memory"
                + " is available"), e.getMessage());
    }
}
