package org.tramontane.backend.ascend;

/**
 * What the facade asked of one device's runtime: ATB operations created, aclnn executors created
 * (GetWorkspaceSize), device allocations (aclrtMalloc) and stream synchronisations. Each is work
 * the host does per call on a device, so per forward step they are the device-speed figures.
 */
record DeviceCounters(long atbOperationsCreated, long aclnnExecutorsCreated, long deviceMallocs, long streamSyncs) {
    /** This minus an earlier reading: what happened between the two. */
    DeviceCounters since(DeviceCounters earlier) {
        return new DeviceCounters(atbOperationsCreated - earlier.atbOperationsCreated,
                aclnnExecutorsCreated - earlier.aclnnExecutorsCreated, deviceMallocs - earlier.deviceMallocs,
                streamSyncs - earlier.streamSyncs);
    }
}
