package org.tramontane.convert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tramontane.config.DType;
import org.tramontane.convert.MistralSources.SourceTensor;
import org.tramontane.weights.FloatBits;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.MixtralWeightNames.Expected;

/**
 * Which HF tensor is made from which Mistral tensor, and how: renamed per {@link MistralTensor}
 * to {@link MixtralWeightNames}; wq and wk rows moved from interleaved to rotate-half RoPE order;
 * each expert's w1/w3 its block of rows of the stacked [E*I, H] tensor and its w2 the transpose of
 * its block. Every source tensor is checked against params.json before anything is written.
 */
final class MistralPlan {
    private MistralPlan() {}

    /** Elements converted per chunk when streaming with a dtype change. */
    private static final int CHUNK_ELEMS = 1 << 20;
    private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    /** How one HF tensor is made from its (2-D, except for {@link Whole}) source tensor. */
    sealed interface Transform permits Whole, RowBlock, RotaryRows, TransposedRowBlock {
        List<Long> shape(List<Long> source);

        void write(SourceTensor src, DType to, WritableByteChannel out) throws IOException;
    }

    /** The source tensor as is. */
    private record Whole() implements Transform {
        @Override
        public List<Long> shape(List<Long> source) {
            return source;
        }

        @Override
        public void write(SourceTensor src, DType to, WritableByteChannel out) throws IOException {
            stream(src, 0, src.numElements(), to, out);
        }
    }

    /** Rows [first, first + count) of the source. */
    private record RowBlock(long first, long count) implements Transform {
        @Override
        public List<Long> shape(List<Long> source) {
            return List.of(count, source.get(1));
        }

        @Override
        public void write(SourceTensor src, DType to, WritableByteChannel out) throws IOException {
            long cols = src.shape().get(1);
            stream(src, first * cols * src.dtype().elemBytes, count * cols, to, out);
        }
    }

    /** All rows, each head's {@code headDim} rows moved from interleaved to rotate-half order. */
    private record RotaryRows(int headDim) implements Transform {
        @Override
        public List<Long> shape(List<Long> source) {
            return source;
        }

        @Override
        public void write(SourceTensor src, DType to, WritableByteChannel out) throws IOException {
            byte[] all = readRange(src, 0, src.numElements());
            int rowBytes = src.shape().get(1).intValue() * src.dtype().elemBytes;
            writeConverted(permuteRotary(all, src.shape().get(0).intValue(), rowBytes, headDim), src.dtype(), to, out);
        }
    }

    /** Rows [first, first + count) of the source [*, cols], transposed to [cols, count]. */
    private record TransposedRowBlock(long first, long count) implements Transform {
        @Override
        public List<Long> shape(List<Long> source) {
            return List.of(source.get(1), count);
        }

        @Override
        public void write(SourceTensor src, DType to, WritableByteChannel out) throws IOException {
            long cols = src.shape().get(1);
            int es = src.dtype().elemBytes;
            byte[] block = readRange(src, first * cols * es, count * cols);
            writeConverted(transpose(block, (int) count, (int) cols, es), src.dtype(), to, out);
        }
    }

    /** One output tensor: its HF name and shape, where it comes from and how. */
    record Job(String name, List<Long> shape, SourceTensor source, Transform transform) {}

    /** Checks the sources against params.json and lists the output tensors in HF order. */
    static List<Job> plan(MistralParams p, MistralSources sources) {
        Map<String, List<Long>> expected = MistralTensor.expected(p);
        for (Map.Entry<String, List<Long>> e : expected.entrySet()) {
            SourceTensor t = sources.tensors.get(e.getKey());
            if (t == null) {
                throw new ConvertException(describe(sources) + ": missing tensor " + e.getKey() + " (expected shape "
                        + e.getValue() + " from params.json)");
            }
            if (!t.shape().equals(e.getValue())) {
                throw new ConvertException(t.file() + ": tensor " + t.name() + " has shape " + t.shape()
                        + ", params.json implies " + e.getValue());
            }
            if (!t.dtype().isFloat()) {
                throw new ConvertException(t.file() + ": tensor " + t.name() + " is " + t.dtype().safetensorsName
                        + ", not a float dtype (F32, F16, BF16)");
            }
        }
        for (SourceTensor t : sources.tensors.values()) {
            if (!expected.containsKey(t.name()) && !MistralTensor.DERIVED.contains(t.name())) {
                throw new ConvertException(t.file() + ": unexpected tensor " + t.name() + " " + t.shape()
                        + " (not part of a Mixtral consolidated checkpoint with this params.json)");
            }
        }
        for (TorchZipReader r : sources.readers) {
            for (TorchTensor t : r.tensors()) {
                if (expected.containsKey(t.name())) r.requireContiguous(t);
            }
        }
        Map<String, SourceTensor> src = sources.tensors;
        long inter = p.intermediateSize();
        List<Job> jobs = new ArrayList<>();
        jobs.add(job(MixtralWeightNames.embedTokens(), src.get(MistralTensor.TOK_EMBEDDINGS.key()), new Whole()));
        for (int l = 0; l < p.numLayers(); l++) {
            jobs.add(job(MixtralWeightNames.inputLayerNorm(l), src.get(MistralTensor.ATTENTION_NORM.at(l)), new Whole()));
            jobs.add(job(MixtralWeightNames.qProj(l), src.get(MistralTensor.WQ.at(l)), new RotaryRows(p.headDim())));
            jobs.add(job(MixtralWeightNames.kProj(l), src.get(MistralTensor.WK.at(l)), new RotaryRows(p.headDim())));
            jobs.add(job(MixtralWeightNames.vProj(l), src.get(MistralTensor.WV.at(l)), new Whole()));
            jobs.add(job(MixtralWeightNames.oProj(l), src.get(MistralTensor.WO.at(l)), new Whole()));
            jobs.add(job(MixtralWeightNames.postAttentionLayerNorm(l), src.get(MistralTensor.FFN_NORM.at(l)), new Whole()));
            jobs.add(job(MixtralWeightNames.router(l), src.get(MistralTensor.GATE.at(l)), new Whole()));
            for (int e = 0; e < p.numExperts(); e++) {
                long first = e * inter;
                jobs.add(job(MixtralWeightNames.expertW1(l, e), src.get(MistralTensor.W1.at(l)), new RowBlock(first, inter)));
                jobs.add(job(MixtralWeightNames.expertW2(l, e), src.get(MistralTensor.W2.at(l)),
                        new TransposedRowBlock(first, inter)));
                jobs.add(job(MixtralWeightNames.expertW3(l, e), src.get(MistralTensor.W3.at(l)), new RowBlock(first, inter)));
            }
        }
        jobs.add(job(MixtralWeightNames.finalNorm(), src.get(MistralTensor.NORM.key()), new Whole()));
        jobs.add(job(MixtralWeightNames.lmHead(), src.get(MistralTensor.OUTPUT.key()), new Whole()));

        // the engine's own list fixes names, order and shapes: the plan must agree with it exactly
        List<Expected> hf = MixtralWeightNames.expected(p.toConfig(DType.F32));
        List<String> planned = jobs.stream().map(j -> j.name() + j.shape()).toList();
        List<String> wanted = hf.stream().map(e -> e.name() + e.shape()).toList();
        if (!planned.equals(wanted)) {
            throw new IllegalStateException("conversion plan disagrees with MixtralWeightNames: " + planned + " vs " + wanted);
        }
        return jobs;
    }

    private static Job job(String name, SourceTensor src, Transform transform) {
        return new Job(name, transform.shape(src.shape()), src, transform);
    }

    static DType sourceDtype(List<Job> jobs) {
        Map<DType, String> seen = new LinkedHashMap<>();
        for (Job j : jobs) seen.putIfAbsent(j.source().dtype(), j.source().name());
        if (seen.size() != 1) {
            List<String> examples = seen.entrySet().stream()
                    .map(e -> e.getValue() + " is " + e.getKey().safetensorsName).toList();
            throw new ConvertException("--input: tensors have mixed dtypes (" + String.join(", ", examples)
                    + "); choose one with --dtype");
        }
        return seen.keySet().iterator().next();
    }

    private static String describe(MistralSources s) {
        return s.files.size() == 1 ? s.files.get(0).toString() : s.files.toString();
    }

    /**
     * Interleaved to rotate-half rows, per head of {@code headDim} rows: HF row
     * {@code c*headDim/2 + j} = original row {@code 2j + c}.
     */
    static byte[] permuteRotary(byte[] src, int rows, int rowBytes, int headDim) {
        if (rows % headDim != 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException(rows + " rows do not split into heads of " + headDim);
        }
        byte[] dst = new byte[src.length];
        int half = headDim / 2;
        for (int head = 0; head < rows / headDim; head++) {
            int base = head * headDim;
            for (int c = 0; c < 2; c++) {
                for (int j = 0; j < half; j++) {
                    System.arraycopy(src, (base + 2 * j + c) * rowBytes, dst, (base + c * half + j) * rowBytes, rowBytes);
                }
            }
        }
        return dst;
    }

    /** [rows, cols] to [cols, rows], elements of {@code elemBytes} bytes. */
    static byte[] transpose(byte[] src, int rows, int cols, int elemBytes) {
        byte[] dst = new byte[src.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                System.arraycopy(src, (r * cols + c) * elemBytes, dst, (c * rows + r) * elemBytes, elemBytes);
            }
        }
        return dst;
    }

    /** {@code numElems} elements from byte {@code offset} of {@code src}, converted chunk by chunk. */
    private static void stream(SourceTensor src, long offset, long numElems, DType to, WritableByteChannel out)
            throws IOException {
        DType from = src.dtype();
        try (SourceRead in = new SourceRead(src, offset)) {
            byte[] buf = new byte[(int) Math.min((long) CHUNK_ELEMS * from.elemBytes, numElems * from.elemBytes)];
            long left = numElems;
            while (left > 0) {
                int n = (int) Math.min(left, buf.length / from.elemBytes);
                int bytes = n * from.elemBytes;
                in.readFully(buf, bytes);
                // a failure here is the output's (a full disk): it reaches the writer, which names the output file
                writeConverted(buf, bytes, from, to, out);
                left -= n;
            }
        }
    }

    /** A source tensor's bytes from an offset; every failure, closing included, is the input's, naming file and tensor. */
    private static final class SourceRead implements AutoCloseable {
        private final SourceTensor src;
        private final InputStream in;

        SourceRead(SourceTensor src, long offset) {
            this.src = src;
            this.in = src.open(offset);
        }

        void readFully(byte[] buf, int bytes) {
            try {
                if (in.readNBytes(buf, 0, bytes) != bytes) throw new IOException("data ended early");
            } catch (IOException e) {
                throw src.readFailure(e);
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw src.readFailure(e);
            }
        }
    }

    private static byte[] readRange(SourceTensor src, long offset, long numElems) {
        long bytes = numElems * src.dtype().elemBytes;
        if (bytes > MAX_ARRAY_BYTES) {
            throw new ConvertException(src.file() + ": tensor " + src.name() + " needs " + bytes
                    + " bytes in memory to reorder, more than one Java array holds");
        }
        try (InputStream in = src.open(offset)) {
            byte[] b = in.readNBytes((int) bytes);
            if (b.length != bytes) throw new IOException("data ended early");
            return b;
        } catch (IOException e) {
            throw src.readFailure(e);
        }
    }

    private static void writeConverted(byte[] data, DType from, DType to, WritableByteChannel out) throws IOException {
        int chunk = CHUNK_ELEMS * from.elemBytes;
        for (int off = 0; off < data.length; off += chunk) {
            int len = Math.min(chunk, data.length - off);
            writeConverted(ByteBuffer.wrap(data, off, len), from, to, out);
        }
    }

    private static void writeConverted(byte[] data, int length, DType from, DType to, WritableByteChannel out)
            throws IOException {
        writeConverted(ByteBuffer.wrap(data, 0, length), from, to, out);
    }

    /** Writes the elements in {@code src} (at most {@link #CHUNK_ELEMS}) as {@code to}. */
    private static void writeConverted(ByteBuffer src, DType from, DType to, WritableByteChannel out) throws IOException {
        ByteBuffer result = src;
        if (from != to) {
            int n = src.remaining() / from.elemBytes;
            float[] values = new float[n];
            FloatBits.widen(from, src, values);
            result = ByteBuffer.allocate(n * to.elemBytes).order(ByteOrder.LITTLE_ENDIAN);
            FloatBits.narrow(to, values, n, result);
            result.flip();
        }
        while (result.hasRemaining()) out.write(result);
    }
}
