package org.tramontane.backend.ascend;

import java.util.Map;

/**
 * The backend of ATB's AllReduce / AllGather ({@code AllReduceParam.backend}). MindIE
 * ({@code utils/initial.py}) runs lccl on an A2 with HCCS links unless ATB_LLM_HCCL_ENABLE=1, and
 * hccl otherwise; {@link #fromEnvironment} does the same but does not detect the chip: on a 300I
 * DUO (310P), where ATB refuses lccl, set ATB_LLM_HCCL_ENABLE=1.
 */
public enum CommBackend {
    /** HCCL: ATB runs HcclAllReduce / HcclAllGather on the group's HcclComm. */
    HCCL("hccl"),
    /** LCCL: ATB's own communicator of the group (keyed by commDomain); no int64, no prod, not on 310P. */
    LCCL("lccl");

    /** The string ATB's params take. */
    public final String atbName;

    CommBackend(String atbName) {
        this.atbName = atbName;
    }

    /** hccl if {@code env} has ATB_LLM_HCCL_ENABLE=1, else lccl (MindIE's rule on an 800I A2). */
    public static CommBackend fromEnvironment(Map<String, String> env) {
        String v = env.get("ATB_LLM_HCCL_ENABLE");
        return v != null && v.trim().equals("1") ? HCCL : LCCL;
    }
}
