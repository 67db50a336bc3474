package org.tramontane.engine;

import java.util.List;

/** What one step runs; plain data handed from {@link Scheduler} to {@link Generator}. */
record SchedulerOutput(List<ScheduledSeq> scheduled) {
    int numTokens() {
        int n = 0;
        for (ScheduledSeq s : scheduled) n += s.numTokens();
        return n;
    }
}
