package org.tramontane.backend.ascend;

import static org.tramontane.backend.ascend.AscendTensors.aclType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;
import org.tramontane.config.DType;

/**
 * Weights onto the device: the parts of a checkpoint tensor staged on the host in the file's
 * dtype, uploaded once and converted on the device (Elewise CAST); dummy weights from the cpu
 * backend's generator, so both backends draw the same random model.
 */
final class WeightStaging {
    private WeightStaging() {}

    /** The parts stacked along the first axis, in {@code target}: float as any float dtype, int8 as int8. */
    static AscendTensor load(AscendDevice device, DType target, WeightRef... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("no weight parts");
        DType source = parts[0].dtype();
        boolean int8 = source == DType.I8 && target == DType.I8;
        long[] trailing = Arrays.copyOfRange(parts[0].shape(), 1, parts[0].shape().length);
        long rows = 0;
        long bytes = 0;
        for (WeightRef p : parts) {
            if (p.dtype() != source || !Arrays.equals(trailing, Arrays.copyOfRange(p.shape(), 1, p.shape().length))) {
                throw new IllegalArgumentException("cannot stack " + p.dtype() + Arrays.toString(p.shape()) + " under "
                        + source + Arrays.toString(parts[0].shape()));
            }
            if (!int8 && (!source.isFloat() || !target.isFloat())) {
                throw new IllegalArgumentException("ascend backend loads float weights, or int8 weights as int8; got "
                        + source + " as " + target);
            }
            if (p.byteLength() != p.numElements() * source.elemBytes) {
                throw new IllegalArgumentException(p.file() + ": tensor byte length " + p.byteLength() + " does not match "
                        + source + " x " + Arrays.toString(p.shape()));
            }
            rows += p.shape()[0];
            bytes += p.byteLength();
        }
        long[] shape = parts[0].shape().clone();
        shape[0] = rows;
        try (BytePointer staging = new BytePointer(bytes)) {
            Map<Path, MappedByteBuffer> maps = new HashMap<>();
            long off = 0;
            for (WeightRef p : parts) {
                ByteBuffer src = slice(p, maps);
                Pointer.memcpy(staging.position(off), new BytePointer(src), p.byteLength());
                off += p.byteLength();
            }
            staging.position(0);
            long total = bytes;
            String upload = "aclrtMemcpy(H2D) " + parts[0].file().getFileName();
            AscendTensor out = device.alloc(target, shape);
            if (source == target) {
                device.run(upload, () -> AscendNative.tna_upload(device.handle(), out.address(), staging.address(), total));
                return out;
            }
            AscendTensor raw = device.alloc(source, shape);
            try {
                device.run(upload, () -> AscendNative.tna_upload(device.handle(), raw.address(), staging.address(), total));
                device.run("Elewise(CAST) " + source + "->" + target, () -> AscendNative.tna_cast(device.handle(),
                        raw.address(), aclType(source), out.address(), aclType(target), out.numElements()));
            } finally {
                device.free(raw);
            }
            return out;
        }
    }

    private static ByteBuffer slice(WeightRef p, Map<Path, MappedByteBuffer> maps) {
        try (FileChannel ch = FileChannel.open(p.file(), StandardOpenOption.READ)) {
            long size = ch.size();
            if (p.dataOffset() < 0 || p.dataOffset() + p.byteLength() > size) {
                throw new IllegalArgumentException(p.file() + ": tensor data lies outside the file");
            }
            if (size <= Integer.MAX_VALUE) {
                MappedByteBuffer m = maps.get(p.file());
                if (m == null) {
                    m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                    maps.put(p.file(), m);
                }
                return m.slice((int) p.dataOffset(), (int) p.byteLength());
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, p.dataOffset(), p.byteLength());
        } catch (IOException e) {
            throw new IllegalStateException(p.file() + ": cannot map file: " + e.getMessage(), e);
        }
    }

    /** Blocks of the deterministic random tensors (Backend.randomWeight), made on the host and uploaded. */
    static AscendTensor random(AscendDevice device, DType target, RandomRef... parts) {
        if (!target.isFloat()) throw new IllegalArgumentException("random weights are float, not " + target);
        AscendTensor t = device.alloc(target, RandomRef.stackedShape(parts));
        long dst = t.address();
        for (RandomRef.Runs r : RandomRef.runs(parts)) {
            long at = dst;
            device.run("fill_random", () -> AscendNative.tna_fill_random(device.handle(), at, aclType(target), r.seed(),
                    r.scale(), r.starts(), r.starts().length, r.runElems()));
            dst += r.numElements() * target.elemBytes;
        }
        return t;
    }
}
