package org.tramontane.backend;

import java.util.Locale;
import java.util.Optional;

/**
 * The instruction-set levels the cpu kernels dispatch on at run time (native/cpu/dispatch.cpp),
 * lowest first; each level runs every kernel of the levels below it too. The codes are the
 * native TN_ISA_* values.
 */
public enum Isa {
    SCALAR("scalar", 0),
    /** AVX2 + FMA + F16C. */
    AVX2("avx2", 1),
    /** AVX-512 F/BW/VL; the BF16 and VNNI kernels run where the CPU also has those extensions. */
    AVX512("avx512", 2);

    /** The name {@code -Dtramontane.cpu.isa}, {@code info} and {@code bench} use. */
    public final String cliName;
    /** The native level code (tn_isa_*). */
    public final int code;

    Isa(String cliName, int code) {
        this.cliName = cliName;
        this.code = code;
    }

    public static Isa ofCode(int code) {
        for (Isa i : values()) {
            if (i.code == code) return i;
        }
        throw new IllegalStateException("native ISA level " + code + " has no Isa constant");
    }

    /** The level named {@code name} (case-insensitive), or empty when no level has that name. */
    public static Optional<Isa> fromName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Isa i : values()) {
            if (i.cliName.equals(n)) return Optional.of(i);
        }
        return Optional.empty();
    }

    /** "scalar, avx2, avx512": the allowed names, for messages. */
    public static String names() {
        StringBuilder s = new StringBuilder();
        for (Isa i : values()) s.append(s.length() == 0 ? "" : ", ").append(i.cliName);
        return s.toString();
    }
}
