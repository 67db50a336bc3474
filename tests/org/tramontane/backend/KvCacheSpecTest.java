package org.tramontane.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.tramontane.config.DType;

/** The KV cache's bytes: float cells, or int8 cells then their scales from the next 64-byte boundary. */
class KvCacheSpecTest {
    @Test
    void floatCacheIsItsCells() {
        KvCacheSpec s = new KvCacheSpec(3, 5, 2, 8, DType.BF16);
        assertEquals(3L * 5 * 2 * 8 * 2, s.tensorBytes());
        assertEquals(2 * s.tensorBytes(), s.bytesPerLayer());
    }

    @Test
    void int8CacheHoldsItsScalesAfterTheCellsAligned() {
        // 3 blocks x 5 positions x 1 head x head dim 3: 45 cell bytes, scales from byte 64
        KvCacheSpec s = new KvCacheSpec(3, 5, 1, 3, DType.I8);
        assertEquals(64, s.scaleOffset());
        assertEquals(64 + 15 * 4, s.tensorBytes());
        KvCacheSpec whole = new KvCacheSpec(2, 16, 2, 64, DType.I8);
        assertEquals(4096, whole.scaleOffset());
        assertEquals(4096 + 64 * 4, whole.tensorBytes());
        assertEquals(2L * 2 * (64 + 4), KvCacheSpec.bytesPerToken(2, 64, DType.I8));
        assertEquals(2L * 2 * 64 * 2, KvCacheSpec.bytesPerToken(2, 64, DType.BF16));
    }

    @Test
    void onlyFloatAndInt8Caches() {
        assertThrows(IllegalArgumentException.class, () -> new KvCacheSpec(1, 1, 1, 1, DType.I32));
    }
}
