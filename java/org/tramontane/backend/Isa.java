package org.tramontane.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The instruction-set levels the cpu kernels dispatch on at run time (native/cpu/dispatch.cpp).
 * Scalar runs on every machine; the other levels belong to one architecture each, lowest first
 * within it, and a CPU runs its architecture's levels up to its highest. The codes are the native
 * TN_ISA_* values.
 */
public enum Isa {
    SCALAR("scalar", 0, Arch.ANY),
    /** AVX2 + FMA + F16C. */
    AVX2("avx2", 1, Arch.X86_64),
    /** AVX-512 F/BW/VL; the BF16 and VNNI kernels run where the CPU also has those extensions. */
    AVX512("avx512", 2, Arch.X86_64),
    /**
     * The AVX-512 level with bf16-mode and W8A8 panel products on the AMX tiles (AMX-TILE, AMX-BF16, AMX-INT8),
     * offered only where Linux grants the process the tile state.
     */
    AMX("amx", 4, Arch.X86_64),
    /** Advanced SIMD (every aarch64); the Armv8.2 dot-product, BF16 and i8mm kernels run where HWCAP reports them. */
    NEON("neon", 3, Arch.AARCH64);

    /** The architecture a level's kernels are built for. */
    public enum Arch { ANY, X86_64, AARCH64 }

    /** The name {@code -Dtramontane.cpu.isa}, {@code info} and {@code bench} use. */
    public final String cliName;
    /** The native level code (tn_isa_*). */
    public final int code;
    public final Arch arch;

    Isa(String cliName, int code, Arch arch) {
        this.cliName = cliName;
        this.code = code;
        this.arch = arch;
    }

    /** The levels a CPU whose highest level is {@code highest} runs, scalar first. */
    public static List<Isa> upTo(Isa highest) {
        List<Isa> levels = new ArrayList<>();
        for (Isa i : values()) {
            if (i == SCALAR || (i.arch == highest.arch && i.ordinal() <= highest.ordinal())) levels.add(i);
        }
        return List.copyOf(levels);
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

    /** "scalar, avx2, avx512, amx, neon": the allowed names, for messages. */
    public static String names() {
        StringBuilder s = new StringBuilder();
        for (Isa i : values()) s.append(s.length() == 0 ? "" : ", ").append(i.cliName);
        return s.toString();
    }
}
