package org.tramontane.parallel;

import java.util.Locale;
import java.util.Optional;

/**
 * A fault to inject into one rank of a tensor-parallel group, for tests of what the other ranks
 * and the user see when a rank fails mid-step: {@code TRAMONTANE_FAULT=rank:1,op:allreduce,call:3}
 * (or the system property {@code tramontane.fault}, which wins) makes rank 1 fail as it enters its
 * third all-reduce, before it has published anything, so the other ranks are already waiting for
 * it. {@code kind:error} throws an Error instead of an exception (a rank thread dying of a stack
 * overflow or the like). Read in one place, {@link #configured}, when a group is made; unset, it
 * costs one field test per collective.
 *
 * @param op   {@link Op#ALLREDUCE} or {@link Op#ALLGATHER}
 * @param call 1-based: the rank's n-th call of that collective
 */
public record RankFault(int rank, Op op, long call, boolean error) {
    public static final String VARIABLE = "TRAMONTANE_FAULT";
    public static final String PROPERTY = "tramontane.fault";

    /** The collectives a fault can be put in. */
    public enum Op {
        ALLREDUCE, ALLGATHER;

        String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What {@code tramontane.fault} or else {@code TRAMONTANE_FAULT} asks for, checked against the world size. */
    public static Optional<RankFault> configured(int worldSize) {
        String property = System.getProperty(PROPERTY);
        String name = property != null ? "-D" + PROPERTY : VARIABLE;
        String spec = property != null ? property : System.getenv(VARIABLE);
        if (spec == null || spec.isBlank()) return Optional.empty();
        RankFault f = parse(spec, name);
        if (f.rank() >= worldSize) {
            throw new ParallelException(name + "=" + spec + ": rank " + f.rank() + " is not in a group of world size " + worldSize);
        }
        return Optional.of(f);
    }

    /** {@code rank:R,op:allreduce|allgather,call:N[,kind:exception|error]}; errors name {@code name}. */
    static RankFault parse(String spec, String name) {
        Integer rank = null;
        Op op = null;
        Long call = null;
        boolean error = false;
        for (String part : spec.split(",", -1)) {
            int colon = part.indexOf(':');
            String key = colon < 0 ? part.strip() : part.substring(0, colon).strip();
            String value = colon < 0 ? "" : part.substring(colon + 1).strip();
            switch (key) {
                case "rank" -> rank = (int) number(value, spec, name, "rank", 0);
                case "call" -> call = number(value, spec, name, "call", 1);
                case "op" -> op = switch (value) {
                    case "allreduce" -> Op.ALLREDUCE;
                    case "allgather" -> Op.ALLGATHER;
                    default -> throw bad(spec, name, "op must be allreduce or allgather (got '" + value + "')");
                };
                case "kind" -> error = switch (value) {
                    case "exception" -> false;
                    case "error" -> true;
                    default -> throw bad(spec, name, "kind must be exception or error (got '" + value + "')");
                };
                default -> throw bad(spec, name, "unknown key '" + key + "' (keys: rank, op, call, kind)");
            }
        }
        if (rank == null || op == null || call == null) throw bad(spec, name, "rank, op and call are required");
        return new RankFault(rank, op, call, error);
    }

    private static long number(String value, String spec, String name, String key, long min) {
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= Integer.MAX_VALUE) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(spec, name, key + " must be an integer >= " + min + " (got '" + value + "')");
    }

    private static ParallelException bad(String spec, String name, String why) {
        return new ParallelException(name + "=" + spec + ": " + why + "; e.g. rank:1,op:allreduce,call:3");
    }

    /** Throws the fault when rank {@code r} enters its {@code n}-th call of {@code o}. */
    void check(int r, Op o, long n) {
        if (r != rank || o != op || n != call) return;
        String what = o.cliName() + " call " + n + " on rank " + r + ": fault injected by " + VARIABLE;
        if (error) throw new InjectedError(what);
        throw new IllegalStateException(what);
    }

    /** What a dying rank thread throws. */
    static final class InjectedError extends Error {
        InjectedError(String message) {
            super(message);
        }
    }
}
