package org.tramontane.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PercentilesTest {
    /** numpy.percentile([4, 1, 3, 2], q) with its default linear method. */
    @Test
    void matchesNumpysLinearInterpolation() {
        double[] v = {4, 1, 3, 2};
        assertEquals(1.0, Percentiles.linear(v, 0));
        assertEquals(2.5, Percentiles.linear(v, 50));
        assertEquals(3.7, Percentiles.linear(v, 90), 1e-12);
        assertEquals(3.97, Percentiles.linear(v, 99), 1e-12);
        assertEquals(4.0, Percentiles.linear(v, 100));
        assertEquals(7.0, Percentiles.linear(new double[] {7}, 99));
        assertArrayEquals(new double[] {4, 1, 3, 2}, v, "the values are left as they were");
    }

    @Test
    void noValuesIsAContractBug() {
        assertThrows(IllegalArgumentException.class, () -> Percentiles.linear(new double[0], 50));
    }
}
