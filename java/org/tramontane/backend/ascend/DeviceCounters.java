package org.tramontane.backend.ascend;

/**
 * What the facade asked of one device's runtime: ATB operations created, aclnn executors created
 * (GetWorkspaceSize), device allocations (aclrtMalloc) and stream synchronisations. Each is work
 * the host does per call on a device, so per forward step they are the device-speed figures.
 */
record DeviceCounters(long atbOperationsCreated, long aclnnExecutorsCreated, long deviceMallocs, long streamSyncs) {
    /** Set to 1 to print each device's counters per forward step on stderr (also on with --verbose). */
    static final String VARIABLE = "TRAMONTANE_DEVICE_COUNTERS";
    /** The system property --verbose sets. */
    static final String PROPERTY = "tramontane.device.counters";

    /** Whether the per-step counters are printed ({@link #VARIABLE} or {@link #PROPERTY}). */
    static boolean printing() {
        return "1".equals(System.getenv(VARIABLE)) || Boolean.getBoolean(PROPERTY);
    }

    /** One step's figures, as the per-step line prints them. */
    String describe() {
        return atbOperationsCreated + " ATB operations created, " + aclnnExecutorsCreated + " aclnn executors created, "
                + deviceMallocs + " device mallocs, " + streamSyncs + " stream syncs";
    }

    /** This minus an earlier reading: what happened between the two. */
    DeviceCounters since(DeviceCounters earlier) {
        return new DeviceCounters(atbOperationsCreated - earlier.atbOperationsCreated,
                aclnnExecutorsCreated - earlier.aclnnExecutorsCreated, deviceMallocs - earlier.deviceMallocs,
                streamSyncs - earlier.streamSyncs);
    }
}
