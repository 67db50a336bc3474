package org.tramontane.backend.cpu;

/**
 * Whether the AMX tiles back the {@link org.tramontane.backend.Isa#AMX} level (the native TN_AMX_* codes of
 * tn_amx_state): Linux is asked once per process, before any kernel runs, to grant the tile state; where it
 * refuses, the level is not offered and the AVX-512 kernels run.
 */
public enum AmxState {
    /** The CPU lacks AMX-TILE, AMX-BF16 or AMX-INT8 (or the AVX512-BF16 the level falls back to). */
    ABSENT(0),
    /** The CPU has the tiles but the OS does not save their state (XCR0). */
    OS_DISABLED(1),
    /** Linux refused the process the tile data (arch_prctl ARCH_REQ_XCOMP_PERM). */
    REFUSED(2),
    /** The tiles are usable: the AMX level is this machine's highest. */
    USABLE(3);

    /** The native TN_AMX_* code. */
    public final int code;

    AmxState(int code) {
        this.code = code;
    }

    static AmxState ofCode(int code) {
        for (AmxState s : values()) {
            if (s.code == code) return s;
        }
        throw new IllegalStateException("native AMX state " + code + " has no AmxState constant");
    }
}
