package org.tramontane.model;

import java.nio.file.Path;
import org.tramontane.backend.Backend;
import org.tramontane.parallel.Communicator;
import org.tramontane.parallel.PreShardedCheckpoint;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.quant.QuantDescription;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralCheckpointValidator;

/** Builds a {@link MixtralModel} from a checkpoint directory or from a config with dummy weights. */
public final class MixtralLoader {
    /** Seed of {@code --load-format dummy}: fixed, so every run of a preset sees the same weights. */
    public static final long DUMMY_SEED = 0x7a4d6f6e74616eL;

    private MixtralLoader() {}

    /** Reads config.json, validates every tensor's name, dtype and shape, then binds the weights. */
    public static MixtralModel load(Path modelDir, Backend backend) {
        MixtralConfig cfg = MixtralConfigReader.read(modelDir.resolve("config.json"));
        return load(modelDir, cfg, backend);
    }

    public static MixtralModel load(Path modelDir, MixtralConfig cfg, Backend backend) {
        return load(modelDir, cfg, backend, ShardingPlan.single(cfg), Communicator.single());
    }

    /** One tensor-parallel rank of a checkpoint: only this rank's shards are read. */
    public static MixtralModel load(Path modelDir, MixtralConfig cfg, Backend backend, ShardingPlan plan,
            Communicator comm) {
        if (PreShardedCheckpoint.isPreSharded(modelDir)) {
            PreShardedCheckpoint.Manifest m = PreShardedCheckpoint.readManifest(modelDir, plan.worldSize());
            Checkpoint rank = PreShardedCheckpoint.openRank(modelDir, m, plan.rank());
            return new MixtralModel(cfg, backend, MixtralWeights.loadPreSharded(rank, cfg, backend), plan, comm);
        }
        Checkpoint ckpt = Checkpoint.open(modelDir);
        MixtralCheckpointValidator.validate(ckpt, cfg);
        QuantDescription quant = cfg.quantize() == null ? null : QuantDescription.read(modelDir);
        return new MixtralModel(cfg, backend, MixtralWeights.load(ckpt, cfg, backend, plan, quant), plan, comm);
    }

    public static MixtralModel dummy(MixtralConfig cfg, Backend backend) {
        return dummy(cfg, backend, ShardingPlan.single(cfg), Communicator.single());
    }

    public static MixtralModel dummy(MixtralConfig cfg, Backend backend, ShardingPlan plan, Communicator comm) {
        return new MixtralModel(cfg, backend, MixtralWeights.dummy(cfg, backend, DUMMY_SEED, plan), plan, comm);
    }
}
