package org.tramontane.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.tramontane.config.DType;
import org.tramontane.config.QuantScheme;

/** Which peak a prefill is measured against, and the best-of merge of two probe runs. */
class MachineLimitsTest {
    private static final MachineLimits ALL = new MachineLimits(2, 33.0, 230.0, 460.0, 910.0, null, null);
    private static final MachineLimits AVX2 = new MachineLimits(2, 20.0, 150.0, null, null, null, null);

    @Test
    void w8a8IsMeasuredAgainstTheInt8Peak() {
        assertEquals(MachineLimits.PeakKind.INT8_DOT, MachineLimits.prefillPeakKind(ALL, DType.BF16, QuantScheme.W8A8_DYNAMIC));
        assertEquals(910.0, ALL.peakGops(MachineLimits.PeakKind.INT8_DOT));
        assertEquals(MachineLimits.PeakKind.INT8_DOT, MachineLimits.prefillPeakKind(ALL, DType.F32, QuantScheme.W8A8_DYNAMIC));
        // no int8 dot on the CPU: the fp32 FMA, never the bf16 dot the W8A8 kernels do not run
        MachineLimits bf16Only = new MachineLimits(2, 33.0, 230.0, 460.0, null, null, null);
        assertEquals(MachineLimits.PeakKind.FP32_FMA, MachineLimits.prefillPeakKind(bf16Only, DType.BF16, QuantScheme.W8A8_DYNAMIC));
        assertEquals(MachineLimits.PeakKind.FP32_FMA, MachineLimits.prefillPeakKind(AVX2, DType.BF16, QuantScheme.W8A8_DYNAMIC));
    }

    @Test
    void floatActivationsUseTheFloatPeaks() {
        assertEquals(MachineLimits.PeakKind.BF16_DOT, MachineLimits.prefillPeakKind(ALL, DType.BF16, null));
        assertEquals(MachineLimits.PeakKind.BF16_DOT, MachineLimits.prefillPeakKind(ALL, DType.BF16, QuantScheme.W8A16));
        assertEquals(MachineLimits.PeakKind.FP32_FMA, MachineLimits.prefillPeakKind(ALL, DType.F32, null));
        assertEquals(MachineLimits.PeakKind.FP32_FMA, MachineLimits.prefillPeakKind(ALL, DType.F16, null));
        assertEquals(MachineLimits.PeakKind.FP32_FMA, MachineLimits.prefillPeakKind(AVX2, DType.BF16, null));
        assertEquals(230.0, ALL.peakGops(MachineLimits.PeakKind.FP32_FMA));
        assertEquals(460.0, ALL.peakGops(MachineLimits.PeakKind.BF16_DOT));
    }

    @Test
    void anUnmeasuredPeakIsNull() {
        assertNull(AVX2.peakGops(MachineLimits.PeakKind.INT8_DOT));
        assertNull(new MachineLimits(1, 0, 0, null, null, null, null).peakGops(MachineLimits.PeakKind.FP32_FMA), "a device: no probe");
    }

    @Test
    void bestKeepsEachFieldsMaximum() {
        MachineLimits b = ALL.best(new MachineLimits(2, 35.0, 200.0, null, 950.0, null, null));
        assertEquals(new MachineLimits(2, 35.0, 230.0, 460.0, 950.0, null, null), b);
        assertEquals(ALL, AVX2.best(ALL).best(new MachineLimits(2, 0, 0, null, null, null, null)).best(ALL));
    }

    @Test
    void theAmxTilesPeakWhereThatLevelRuns() {
        MachineLimits amx = new MachineLimits(2, 33.0, 230.0, 460.0, 910.0, 3000.0, 6000.0);
        assertEquals(MachineLimits.PeakKind.AMX_INT8, MachineLimits.prefillPeakKind(amx, DType.BF16, QuantScheme.W8A8_DYNAMIC));
        assertEquals(MachineLimits.PeakKind.AMX_BF16, MachineLimits.prefillPeakKind(amx, DType.BF16, null));
        assertEquals(MachineLimits.PeakKind.FP32_FMA, MachineLimits.prefillPeakKind(amx, DType.F32, null));
        assertEquals(3000.0, amx.peakGops(MachineLimits.PeakKind.AMX_BF16));
        assertEquals(6000.0, amx.peakGops(MachineLimits.PeakKind.AMX_INT8));
        assertNull(ALL.peakGops(MachineLimits.PeakKind.AMX_BF16), "no AMX level: no tile peak");
    }
}
