package org.tramontane.model;

import org.tramontane.config.MixtralConfigReader;

import org.tramontane.config.KvCacheDtype;
import org.tramontane.config.MixtralConfig;

import java.nio.file.Path;
import org.tramontane.backend.Backend;
import org.tramontane.parallel.Communicator;
import org.tramontane.parallel.PreShardedCheckpoint;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.quant.QuantDescription;
import org.tramontane.config.QuantScheme;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralCheckpointValidator;

/** Builds a {@link MixtralModel} from a checkpoint directory or from a config with dummy weights. */
public final class MixtralLoader {
    /** Seed of {@code --load-format dummy}: fixed, so every run of a preset sees the same weights. */
    public static final long DUMMY_SEED = 0x7a4d6f6e74616eL;

    /**
     * Where one tensor-parallel rank runs: its backend, its part of the plan, its collectives, and
     * what its KV cache stores ({@code --kv-cache-dtype}).
     */
    public record Rank(Backend backend, ShardingPlan plan, Communicator comm, KvCacheDtype kvCacheDtype) {
        /** With the cache in the compute dtype. */
        public Rank(Backend backend, ShardingPlan plan, Communicator comm) {
            this(backend, plan, comm, KvCacheDtype.AUTO);
        }

        MixtralModel model(MixtralConfig cfg, MixtralWeights weights) {
            return new MixtralModel(cfg, backend, weights, plan, comm, kvCacheDtype.resolve(backend.precision()));
        }
    }

    private MixtralLoader() {}

    /** Reads config.json, validates every tensor's name, dtype and shape, then binds the weights. */
    public static MixtralModel load(Path modelDir, Backend backend) {
        MixtralConfig cfg = MixtralConfigReader.read(modelDir.resolve("config.json"));
        return load(modelDir, cfg, backend);
    }

    public static MixtralModel load(Path modelDir, MixtralConfig cfg, Backend backend) {
        return load(modelDir, cfg, new Rank(backend, ShardingPlan.single(cfg), Communicator.single()), null);
    }

    /**
     * One tensor-parallel rank of a checkpoint: only this rank's shards are read (a row-parallel
     * linear quantized at load reads its whole rows, for the per-row scales).
     *
     * @param quantizeAtLoad quantize a float checkpoint's linears while binding; null = as stored
     */
    public static MixtralModel load(Path modelDir, MixtralConfig cfg, Rank rank, QuantScheme quantizeAtLoad) {
        Backend backend = rank.backend();
        if (PreShardedCheckpoint.isPreSharded(modelDir)) {
            if (quantizeAtLoad != null) {
                throw new ModelException(modelDir + ": --quantize of a pre-sharded checkpoint at load is"
                        + " not supported yet (its rank files lack the whole rows the per-channel scales need);"
                        + " quantize the HuggingFace checkpoint instead");
            }
            PreShardedCheckpoint.Manifest m = PreShardedCheckpoint.readManifest(modelDir, rank.plan().worldSize());
            Checkpoint file = PreShardedCheckpoint.openRank(modelDir, m, rank.plan().rank());
            return rank.model(cfg, MixtralWeights.loadPreSharded(file, cfg, backend));
        }
        Checkpoint ckpt = Checkpoint.open(modelDir);
        MixtralCheckpointValidator.validate(ckpt, cfg);
        QuantDescription stored = cfg.quantize().isEmpty() ? null : QuantDescription.read(modelDir);
        MixtralWeights w = MixtralWeights.load(ckpt, cfg, backend, rank.plan(),
                new MixtralWeights.Quantization(stored, quantizeAtLoad));
        return rank.model(cfg, w);
    }

    public static MixtralModel dummy(MixtralConfig cfg, Backend backend) {
        return dummy(cfg, new Rank(backend, ShardingPlan.single(cfg), Communicator.single()), null);
    }

    /**
     * One rank of the dummy model: its shard of the same random weights world size 1 draws.
     *
     * @param quantizeAtLoad quantize the linears per output row; null = float
     */
    public static MixtralModel dummy(MixtralConfig cfg, Rank rank, QuantScheme quantizeAtLoad) {
        return rank.model(cfg, MixtralWeights.dummy(cfg, rank.backend(), DUMMY_SEED, rank.plan(), quantizeAtLoad));
    }
}
