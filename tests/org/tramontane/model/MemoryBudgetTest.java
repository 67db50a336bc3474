package org.tramontane.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** /proc/meminfo and cgroup files as the budget reads them, and the one-line refusal. */
class MemoryBudgetTest {
    @Test
    void memAvailableIsInKibibytes() {
        String meminfo = "MemTotal:       24683784 kB\nMemFree:         1000000 kB\nMemAvailable:   21483672 kB\n";
        assertEquals(OptionalLong.of(21483672L * 1024), MemoryBudget.meminfoAvailable(meminfo));
        assertEquals(OptionalLong.empty(), MemoryBudget.meminfoAvailable("MemTotal: 1 kB\n"));
        assertEquals(OptionalLong.empty(), MemoryBudget.meminfoAvailable(null));
    }

    @Test
    void cgroupLimitLessUsageUnlessUnlimited() {
        assertEquals(OptionalLong.of(600), MemoryBudget.cgroupLeft("1000\n", "400\n"));
        assertEquals(OptionalLong.of(0), MemoryBudget.cgroupLeft("1000", "1400"));
        assertEquals(OptionalLong.empty(), MemoryBudget.cgroupLeft("max\n", "400"));
        assertEquals(OptionalLong.empty(), MemoryBudget.cgroupLeft("9223372036854771712", "400"));
        assertEquals(OptionalLong.empty(), MemoryBudget.cgroupLeft(null, "400"));
    }

    @Test
    void refusesMoreThanIsAvailableInOneLine() {
        MemoryBudget.require("a small buffer", 1024);
        ModelException e = assertThrows(ModelException.class, () -> MemoryBudget.require("the weights", Long.MAX_VALUE / 2));
        assertTrue(e.getMessage().startsWith("the weights needs "), e.getMessage());
        assertTrue(e.getMessage().contains(" GiB is available") || e.getMessage().contains(" MiB is available"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }
}
