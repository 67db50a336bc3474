package org.tramontane.convert;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.config.MixtralConfig;
import org.tramontane.parallel.ShardingPlan.Role;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.PreShardedNames;

/**
 * Which HF tensors make up each tensor of a rank's pre-sharded file, and how they are cut: the one
 * description both conversion directions read. A rank tensor is its components' shards stacked
 * along axis 0 (QKV: q, k, v; experts: expert 0, 1, ...).
 */
final class PreShardedLayout {
    private PreShardedLayout() {}

    /** One HF tensor inside a rank tensor. */
    record Component(String hfName, Role role) {
    }

    /** A rank tensor: its name, components in stacking order, and whether it is an expert stack. */
    record RankTensor(String name, List<Component> components, boolean expertStack) {
    }

    static List<RankTensor> tensors(MixtralConfig cfg) {
        List<RankTensor> out = new ArrayList<>();
        out.add(single(PreShardedNames.embedTokens(), MixtralWeightNames.embedTokens(), Role.EMBED));
        for (int l = 0; l < cfg.numLayers(); l++) {
            out.add(single(PreShardedNames.inputNorm(l), MixtralWeightNames.inputLayerNorm(l), Role.NORM));
            out.add(new RankTensor(PreShardedNames.qkvProj(l), List.of(
                    new Component(MixtralWeightNames.qProj(l), Role.Q_PROJ),
                    new Component(MixtralWeightNames.kProj(l), Role.K_PROJ),
                    new Component(MixtralWeightNames.vProj(l), Role.V_PROJ)), false));
            out.add(single(PreShardedNames.oProj(l), MixtralWeightNames.oProj(l), Role.O_PROJ));
            out.add(single(PreShardedNames.postNorm(l), MixtralWeightNames.postAttentionLayerNorm(l), Role.NORM));
            out.add(single(PreShardedNames.router(l), MixtralWeightNames.router(l), Role.ROUTER));
            out.add(experts(cfg, PreShardedNames.experts(l, "w1"), l, Role.EXPERT_W1));
            out.add(experts(cfg, PreShardedNames.experts(l, "w3"), l, Role.EXPERT_W3));
            out.add(experts(cfg, PreShardedNames.experts(l, "w2"), l, Role.EXPERT_W2));
        }
        out.add(single(PreShardedNames.finalNorm(), MixtralWeightNames.finalNorm(), Role.NORM));
        String head = cfg.tieWordEmbeddings() ? MixtralWeightNames.embedTokens() : MixtralWeightNames.lmHead();
        out.add(single(PreShardedNames.lmHead(), head, Role.LM_HEAD));
        return out;
    }

    private static RankTensor single(String name, String hf, Role role) {
        return new RankTensor(name, List.of(new Component(hf, role)), false);
    }

    private static RankTensor experts(MixtralConfig cfg, String name, int layer, Role role) {
        List<Component> c = new ArrayList<>();
        for (int e = 0; e < cfg.numExperts(); e++) {
            String hf = switch (role) {
                case EXPERT_W1 -> MixtralWeightNames.expertW1(layer, e);
                case EXPERT_W3 -> MixtralWeightNames.expertW3(layer, e);
                default -> MixtralWeightNames.expertW2(layer, e);
            };
            c.add(new Component(hf, role));
        }
        return new RankTensor(name, List.copyOf(c), true);
    }
}
