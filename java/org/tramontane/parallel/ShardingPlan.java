package org.tramontane.parallel;

import java.util.EnumMap;
import java.util.Map;
import org.tramontane.config.MixtralConfig;

/**
 * MindIE's tensor-parallel plan for Mixtral, as data: for each weight role, how rank
 * {@code rank} of {@code worldSize} holds it. Attention heads are split (q/k/v by output rows,
 * o_proj by input columns); every expert's w1/w3 are split by rows and w2 by columns (all experts
 * on every rank); router, norms and embedding are replicated; lm_head is split by vocabulary and
 * the logits gathered. When worldSize exceeds the KV heads, KV heads are replicated.
 */
public record ShardingPlan(int worldSize, int rank, Map<Role, TensorShard> shards, int numHeadsPerRank,
        int numKvHeadsPerRank, int intermediatePerRank, int vocabPerRank) {

    /** The weights of a Mixtral layer stack, by the way they are split. */
    public enum Role { Q_PROJ, K_PROJ, V_PROJ, O_PROJ, EXPERT_W1, EXPERT_W3, EXPERT_W2, ROUTER, NORM, EMBED, LM_HEAD }

    public static ShardingPlan single(MixtralConfig cfg) {
        return of(cfg, 1, 0);
    }

    /** Refuses, naming the dimension, a world size the model cannot be split by. */
    public static void validate(MixtralConfig cfg, int worldSize) {
        if (worldSize < 1) throw new ParallelException("--world-size must be >= 1 (got " + worldSize + ")");
        check(cfg.numHeads(), worldSize, "num_attention_heads");
        check(cfg.intermediateSize(), worldSize, "intermediate_size");
        check(cfg.vocabSize(), worldSize, "vocab_size");
        int kv = cfg.numKvHeads();
        if (kv % worldSize != 0 && worldSize % kv != 0) {
            throw new ParallelException("--world-size " + worldSize + " neither divides num_key_value_heads (" + kv
                    + ") nor is a multiple of it");
        }
    }

    private static void check(int dim, int worldSize, String key) {
        if (dim % worldSize != 0) {
            throw new ParallelException("--world-size " + worldSize + " does not divide " + key + " (" + dim + ")");
        }
    }

    public static ShardingPlan of(MixtralConfig cfg, int worldSize, int rank) {
        validate(cfg, worldSize);
        if (rank < 0 || rank >= worldSize) throw new IllegalArgumentException("rank " + rank + " of " + worldSize);
        int kv = cfg.numKvHeads();
        // kv heads >= ranks: each rank owns kv/ws heads; else each kv head is held by ws/kv ranks
        TensorShard kvShard = kv >= worldSize ? new TensorShard(Split.COLUMN, worldSize, rank)
                : new TensorShard(Split.COLUMN, kv, rank / (worldSize / kv));
        TensorShard column = new TensorShard(Split.COLUMN, worldSize, rank);
        TensorShard row = new TensorShard(Split.ROW, worldSize, rank);
        Map<Role, TensorShard> m = new EnumMap<>(Role.class);
        m.put(Role.Q_PROJ, column);
        m.put(Role.K_PROJ, kvShard);
        m.put(Role.V_PROJ, kvShard);
        m.put(Role.O_PROJ, row);
        m.put(Role.EXPERT_W1, column);
        m.put(Role.EXPERT_W3, column);
        m.put(Role.EXPERT_W2, row);
        m.put(Role.ROUTER, TensorShard.REPLICATED);
        m.put(Role.NORM, TensorShard.REPLICATED);
        m.put(Role.EMBED, TensorShard.REPLICATED);
        m.put(Role.LM_HEAD, column);
        return new ShardingPlan(worldSize, rank, Map.copyOf(m), cfg.numHeads() / worldSize,
                Math.max(1, kv / worldSize), cfg.intermediateSize() / worldSize, cfg.vocabSize() / worldSize);
    }

    public TensorShard shard(Role role) {
        return shards.get(role);
    }
}
