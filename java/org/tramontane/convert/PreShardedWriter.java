package org.tramontane.convert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.tramontane.backend.WeightRef;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.config.Progress;
import org.tramontane.parallel.PreShardedCheckpoint;
import org.tramontane.parallel.PreShardedCheckpoint.Manifest;
import org.tramontane.parallel.PreShardedCheckpoint.Shard;
import org.tramontane.parallel.PreShardedCheckpoint.SourceFile;
import org.tramontane.convert.PreShardedLayout.Component;
import org.tramontane.convert.PreShardedLayout.RankTensor;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.parallel.ShardingPlan.Role;
import org.tramontane.parallel.Split;
import org.tramontane.parallel.TensorShard;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.FloatBits;
import org.tramontane.weights.MixtralCheckpointValidator;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.SafetensorsWriter;
import org.tramontane.weights.TensorInfo;

/**
 * Writes the tramontane layout ({@link PreShardedCheckpoint}) from an HF checkpoint, and reassembles
 * the HF tensors from it. Both write into a temporary sibling renamed into place at the end
 * ({@link OutputDirectory}), so a failure leaves nothing that looks complete.
 */
public final class PreShardedWriter {
    private PreShardedWriter() {}

    // ------------------------------------------------------------------------------------ HF -> tramontane

    /** Cuts an HF checkpoint for {@code worldSize} ranks; {@code target} null keeps the source dtype. */
    public static void fromHf(Path hfDir, Path outDir, int worldSize, DType target, Progress progress) {
        OutputDirectory.check(outDir, "--output");
        MixtralConfig cfg = MixtralConfigReader.read(hfDir.resolve("config.json"));
        if (cfg.quantize().isPresent()) {
            throw new ConvertException("--input " + hfDir + ": quantized (" + cfg.quantize().get().configName
                    + ") checkpoints cannot be converted to the tramontane layout yet");
        }
        ShardingPlan.validate(cfg, worldSize);
        Checkpoint ckpt = Checkpoint.open(hfDir);
        MixtralCheckpointValidator.validate(ckpt, cfg);
        DType dtype = target != null ? target : cfg.torchDtype();
        List<RankTensor> layout = PreShardedLayout.tensors(cfg);
        OutputDirectory.writeAtomically(outDir, "--output", tmp -> {
            progress.start("convert", "ranks", worldSize);
            List<Shard> shards = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                ShardingPlan plan = ShardingPlan.of(cfg, worldSize, r);
                List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
                for (RankTensor rt : layout) tensors.add(rankTensor(ckpt, cfg, plan, rt, dtype));
                Path file = tmp.resolve(PreShardedCheckpoint.rankFile(r));
                Files.createDirectories(file.getParent());
                SafetensorsWriter.write(file, Map.of("format", PreShardedCheckpoint.FORMAT), tensors);
                shards.add(new Shard(r, PreShardedCheckpoint.rankFile(r), Files.size(file), PreShardedCheckpoint.crc32c(file)));
                progress.detail("rank " + r);
                progress.advance(1);
            }
            progress.finish();
            List<SourceFile> sources = new ArrayList<>();
            for (Path f : ckpt.files()) sources.add(new SourceFile(f.getFileName().toString(), sha256(f)));
            copyBeside(hfDir, tmp);
            PreShardedCheckpoint.writeManifest(tmp, new Manifest(PreShardedCheckpoint.FORMAT,
                    PreShardedCheckpoint.FORMAT_VERSION, worldSize, dtype.cliName, sources, shards));
        });
    }

    /** One rank tensor: its components' shards stacked along axis 0, converted to {@code dtype}. */
    private static SafetensorsWriter.Tensor rankTensor(Checkpoint ckpt, MixtralConfig cfg, ShardingPlan plan,
            RankTensor rt, DType dtype) {
        List<WeightRef> pieces = new ArrayList<>();
        long rows = 0;
        long[] local = null;
        for (Component c : rt.components()) {
            TensorInfo t = ckpt.tensor(c.hfName());
            WeightRef whole = new WeightRef(t.file(), t.dataOffset(), t.byteLength(), t.dtype(),
                    t.shape().stream().mapToLong(Long::longValue).toArray());
            pieces.addAll(List.of(plan.shard(c.role()).of(whole)));
            local = localShape(cfg, plan.shard(c.role()), c.role());
            rows += local[0];
        }
        long e = rt.components().size();
        List<Long> shape = rt.expertStack() ? List.of(e, rows / e, local[1])
                : local.length == 1 ? List.of(rows) : List.of(rows, local[1]);
        return new SafetensorsWriter.Tensor(rt.name(), dtype, shape, out -> {
            for (WeightRef p : pieces) copyConverted(p, dtype, out);
        });
    }

    // ------------------------------------------------------------------------------------ tramontane -> HF

    /** Reassembles the HF tensors (same dtype, HF order) from the rank files. */
    public static void toHf(Path inDir, Path outDir) {
        OutputDirectory.check(outDir, "--output");
        MixtralConfig cfg = MixtralConfigReader.read(inDir.resolve("config.json"));
        int ws = PreShardedCheckpoint.readManifest(inDir).worldSize();
        Manifest m = PreShardedCheckpoint.readManifest(inDir, ws);
        List<Checkpoint> ranks = new ArrayList<>();
        for (int r = 0; r < ws; r++) ranks.add(PreShardedCheckpoint.openRank(inDir, m, r));
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        List<String> names = new ArrayList<>(MixtralWeightNames.required(cfg));
        for (RankTensor rt : PreShardedLayout.tensors(cfg)) {
            long rowOffset = 0;
            for (Component c : rt.components()) {
                if (names.contains(c.hfName())) tensors.add(hfTensor(cfg, ranks, rt, c, rowOffset));
                rowOffset += localShape(cfg, ShardingPlan.of(cfg, ws, 0).shard(c.role()), c.role())[0];
            }
        }
        // HF save order: what MixtralWeightNames.required lists
        tensors.sort((a, b) -> Integer.compare(names.indexOf(a.name()), names.indexOf(b.name())));
        OutputDirectory.writeAtomically(outDir, "--output", tmp -> {
            SafetensorsWriter.write(tmp.resolve(Checkpoint.SINGLE_FILE), Map.of("format", "pt"), tensors);
            copyBeside(inDir, tmp);
        });
    }

    /** A component's shape on one rank: COLUMN divides the rows, ROW the columns. */
    private static long[] localShape(MixtralConfig cfg, TensorShard shard, Role role) {
        long[] s = fullShape(cfg, role).clone();
        if (shard.split() == Split.COLUMN) s[0] /= shard.parts();
        if (shard.split() == Split.ROW) s[1] /= shard.parts();
        return s;
    }

    private static long[] fullShape(MixtralConfig cfg, Role role) {
        long h = cfg.hiddenSize();
        return switch (role) {
            case Q_PROJ -> new long[] {cfg.qSize(), h};
            case K_PROJ, V_PROJ -> new long[] {cfg.kvSize(), h};
            case O_PROJ -> new long[] {h, cfg.qSize()};
            case EXPERT_W1, EXPERT_W3 -> new long[] {cfg.intermediateSize(), h};
            case EXPERT_W2 -> new long[] {h, cfg.intermediateSize()};
            case ROUTER -> new long[] {cfg.numExperts(), h};
            case NORM -> new long[] {h};
            case EMBED, LM_HEAD -> new long[] {cfg.vocabSize(), h};
        };
    }

    /** One HF tensor gathered back from the ranks' pieces. */
    private static SafetensorsWriter.Tensor hfTensor(MixtralConfig cfg, List<Checkpoint> ranks, RankTensor rt,
            Component c, long rowOffset) {
        int ws = ranks.size();
        long[] full = fullShape(cfg, c.role());
        TensorShard s0 = ShardingPlan.of(cfg, ws, 0).shard(c.role());
        TensorInfo first = ranks.get(0).tensor(rt.name());
        DType dtype = first.dtype();
        long elem = dtype.elemBytes;
        long cols = full.length == 2 ? full[1] : 1;
        List<WeightRef> pieces = new ArrayList<>();
        if (s0.split() == Split.ROW) {
            long per = cols / ws;
            for (long row = 0; row < full[0]; row++) {
                for (int r = 0; r < ws; r++) {
                    TensorInfo t = ranks.get(r).tensor(rt.name());
                    pieces.add(new WeightRef(t.file(), t.dataOffset() + ((rowOffset + row) * per) * elem, per * elem, dtype,
                            new long[] {1, per}));
                }
            }
        } else {
            int parts = s0.split() == Split.COLUMN ? s0.parts() : 1;
            long rows = full[0] / parts;
            for (int i = 0; i < parts; i++) {
                int holder = i * (ws / parts);   // the first rank holding piece i (kv heads may be replicated)
                TensorInfo t = ranks.get(holder).tensor(rt.name());
                pieces.add(new WeightRef(t.file(), t.dataOffset() + rowOffset * cols * elem, rows * cols * elem, dtype,
                        new long[] {rows, cols}));
            }
        }
        List<Long> shape = full.length == 2 ? List.of(full[0], full[1]) : List.of(full[0]);
        return new SafetensorsWriter.Tensor(c.hfName(), dtype, shape, out -> {
            for (WeightRef p : pieces) copyConverted(p, dtype, out);
        });
    }

    // ------------------------------------------------------------------------------------ bytes

    /** Streams one piece, converting its elements to {@code to} when the dtypes differ. */
    private static void copyConverted(WeightRef p, DType to, WritableByteChannel out) throws IOException {
        try (FileChannel in = FileChannel.open(p.file(), StandardOpenOption.READ)) {
            if (p.dtype() == to) {
                long done = 0;
                while (done < p.byteLength()) {
                    long n = in.transferTo(p.dataOffset() + done, p.byteLength() - done, out);
                    if (n <= 0) throw new IOException(p.file() + " ended early");
                    done += n;
                }
                return;
            }
            int chunkElems = 1 << 20;
            for (long e = 0; e < p.numElements(); e += chunkElems) {
                int n = (int) Math.min(chunkElems, p.numElements() - e);
                ByteBuffer src = ByteBuffer.allocate(n * p.dtype().elemBytes).order(ByteOrder.LITTLE_ENDIAN);
                while (src.hasRemaining()) {
                    if (in.read(src, p.dataOffset() + e * p.dtype().elemBytes + src.position()) < 0) {
                        throw new IOException(p.file() + " ended early");
                    }
                }
                src.flip();
                float[] values = new float[n];
                FloatBits.widen(p.dtype(), src, values);
                ByteBuffer dst = ByteBuffer.allocate(n * to.elemBytes).order(ByteOrder.LITTLE_ENDIAN);
                FloatBits.narrow(to, values, n, dst);
                dst.flip();
                while (dst.hasRemaining()) out.write(dst);
            }
        }
    }

    private static void copyBeside(Path from, Path to) throws IOException {
        Files.copy(from.resolve("config.json"), to.resolve("config.json"));
        for (String f : OutputDirectory.COMPANION_FILES) {
            if (Files.isRegularFile(from.resolve(f))) Files.copy(from.resolve(f), to.resolve(f));
        }
    }

    private static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ConvertException(file + ": cannot read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
