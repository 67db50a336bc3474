package org.tramontane.convert;

import org.tramontane.config.UserException;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tramontane.config.DType;
import org.tramontane.config.Progress;
import org.tramontane.tokenizer.Tokenizer;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.weights.MixtralWeightNames.Expected;
import org.tramontane.weights.SafetensorsWriter.ByteSource;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralCheckpointValidator;
import org.tramontane.weights.TensorInfo;
import org.tramontane.weights.FloatBits;
import org.tramontane.weights.SafetensorsWriter;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.SafetensorsFile;

/**
 * Converts a Mistral original "consolidated" Mixtral checkpoint into a standard HuggingFace
 * directory, as transformers v4.38.2 {@code convert_mixtral_weights_to_hf.py} does:
 * config.json (and generation_config.json) from params.json, one {@code model.safetensors} with
 * the HF tensor names in HF order, tokenizer files copied.
 *
 * <p>Input: {@code params.json} plus {@code consolidated.safetensors} (preferred when present)
 * or {@code consolidated.00.pt}, {@code consolidated.01.pt}, ... (each file holds different whole
 * tensors; they are merged, and a name in two files is an error). The .pt files are read by
 * {@link TorchZipReader}, which never runs pickle code.
 *
 * <p>Tensors: renamed per {@link MistralWeightNames} to {@link MixtralWeightNames}; wq and wk rows
 * moved from interleaved to rotate-half RoPE order (per head, HF row {@code c*hd/2 + j} = original
 * row {@code 2j + c}); each expert's w1/w3 is its block of rows of the stacked [E*I, H] tensor and
 * its w2 is the transpose of its block. Values are copied bit for bit, or rounded to nearest even
 * when a target dtype is given.
 *
 * <p>Everything is checked (params, every tensor's presence, shape and dtype, the output
 * directory) before anything is written; the output is then built in a temporary sibling
 * directory and renamed into place at the end, so a failure leaves no directory that looks
 * complete. Tensors are streamed one at a time; only the permuted and transposed ones are held
 * in memory, one at a time.
 */
public final class MistralConverter {
    private MistralConverter() {}

    public static final String SAFETENSORS_FILE = "consolidated.safetensors";
    private static final Pattern PT_FILE = Pattern.compile("consolidated\\.(\\d+)\\.pt");
    /** Copied beside the weights when present. */
    /** Elements converted per chunk when streaming with a dtype change. */
    private static final int CHUNK_ELEMS = 1 << 20;
    private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /**
     * What a conversion produced.
     *
     * @param source      the weight file(s) read, e.g. {@code consolidated.safetensors}
     * @param copiedFiles tokenizer files copied, in {@link Tokenizer#FILES} order
     */
    public record Result(Path outputDir, List<Path> source, DType dtype, int numTensors, List<String> copiedFiles) {
        public Result {
            source = List.copyOf(source);
            copiedFiles = List.copyOf(copiedFiles);
        }
    }

    /**
     * Converts {@code inputDir} into a new directory {@code outputDir}.
     *
     * @param targetDtype F32, F16 or BF16; null keeps the source dtype (which must then be one dtype)
     * @param progress    {@link Progress#NONE} when nobody listens
     * @throws ConvertException or another {@link org.tramontane.config.UserException} naming the file or flag at fault
     */
    public static Result convert(Path inputDir, Path outputDir, DType targetDtype, Progress progress) {
        if (targetDtype != null && !targetDtype.isFloat()) {
            throw new ConvertException("--dtype " + targetDtype.cliName + ": the target dtype must be fp32, fp16 or bf16");
        }
        OutputDirectory.check(outputDir, "--output");
        if (!Files.isDirectory(inputDir)) {
            throw new ConvertException("--input " + inputDir + ": " + (Files.exists(inputDir) ? "not a directory" : "no such directory"));
        }
        MistralParams params = MistralParams.read(inputDir.resolve(MistralParams.FILE));
        List<Path> copies = tokenizerFiles(inputDir);
        try (Sources sources = Sources.open(inputDir)) {
            List<Job> jobs = plan(params, sources);
            DType dtype = targetDtype != null ? targetDtype : sourceDtype(jobs);
            OutputDirectory.writeAtomically(outputDir, "--output", tmp -> {
                writeJson(tmp.resolve("config.json"), params.hfConfigJson(dtype));
                writeJson(tmp.resolve("generation_config.json"), params.hfGenerationConfigJson());
                writeWeights(tmp.resolve(Checkpoint.SINGLE_FILE), jobs, dtype, progress);
                for (Path f : copies) copy(f, tmp.resolve(f.getFileName().toString()));
                selfCheck(tmp, params.toConfig(dtype));
            });
            return new Result(outputDir, sources.files(), dtype, jobs.size(),
                    copies.stream().map(p -> p.getFileName().toString()).toList());
        }
    }

    // ---- sources --------------------------------------------------------------------------------

    /** One input tensor, readable as a byte stream from any offset. */
    private record SourceTensor(String name, DType dtype, List<Long> shape, Path file, Opener opener) {
        long numElements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        /** Bytes from {@code offset} to the tensor's end; wraps read failures with file and tensor. */
        InputStream open(long offset) {
            try {
                return opener.open(offset);
            } catch (IOException e) {
                throw readFailure(e);
            }
        }

        ConvertException readFailure(IOException e) {
            return new ConvertException(file + ": cannot read tensor " + name + ": " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface Opener {
        InputStream open(long offset) throws IOException;
    }

    /** The input's weight files, open for the conversion; tensors merged by name in file order. */
    private static final class Sources implements AutoCloseable {
        final Map<String, SourceTensor> tensors = new LinkedHashMap<>();
        final List<TorchZipReader> readers = new ArrayList<>();
        final List<Path> files = new ArrayList<>();

        static Sources open(Path dir) {
            Sources s = new Sources();
            try {
                Path st = dir.resolve(SAFETENSORS_FILE);
                if (Files.exists(st)) {
                    s.addSafetensors(SafetensorsFile.open(st));
                } else {
                    List<Path> pts = ptFiles(dir);
                    if (pts.isEmpty()) {
                        throw new ConvertException("--input " + dir + ": no " + SAFETENSORS_FILE
                                + " and no consolidated.NN.pt files: not a Mistral consolidated checkpoint");
                    }
                    for (Path p : pts) s.addTorch(TorchZipReader.open(p));
                }
                return s;
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
        }

        List<Path> files() {
            return List.copyOf(files);
        }

        private void addSafetensors(SafetensorsFile f) {
            files.add(f.path());
            for (TensorInfo t : f.tensors()) {
                add(new SourceTensor(t.name(), t.dtype(), t.shape(), f.path(), offset -> new BoundedInputStream(
                        Channels.newInputStream(FileChannel.open(t.file(), StandardOpenOption.READ)
                                .position(t.dataOffset() + offset)), t.byteLength() - offset)));
            }
        }

        private void addTorch(TorchZipReader r) {
            readers.add(r);
            files.add(r.file());
            for (TorchZipReader.TorchTensor t : r.tensors()) {
                add(new SourceTensor(t.name(), t.dtype(), t.shape(), r.file(), offset -> {
                    r.requireContiguous(t);
                    return r.openStream(t, offset);
                }));
            }
        }

        private void add(SourceTensor t) {
            SourceTensor before = tensors.putIfAbsent(t.name(), t);
            if (before != null) {
                throw new ConvertException(t.file() + ": tensor " + t.name() + " is also in " + before.file()
                        + " (consolidated files must hold different tensors)");
            }
        }

        /** consolidated.NN.pt by number. */
        private static List<Path> ptFiles(Path dir) {
            Map<Integer, Path> byNumber = new TreeMap<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "consolidated.*.pt")) {
                for (Path p : ds) {
                    Matcher m = PT_FILE.matcher(p.getFileName().toString());
                    if (m.matches() && Files.isRegularFile(p)) {
                        Path other = byNumber.put(Integer.parseInt(m.group(1)), p);
                        if (other != null) {
                            throw new ConvertException("--input " + dir + ": " + other.getFileName() + " and "
                                    + p.getFileName() + " have the same number");
                        }
                    }
                }
            } catch (IOException e) {
                throw new ConvertException("--input " + dir + ": cannot list directory: " + e.getMessage(), e);
            }
            return List.copyOf(byNumber.values());
        }

        @Override
        public void close() {
            for (TorchZipReader r : readers) {
                try {
                    r.close();
                } catch (RuntimeException suppressed) {
                    // read-only files: a failed close loses nothing
                }
            }
        }
    }

    // ---- plan -----------------------------------------------------------------------------------

    /** How one HF tensor is made from its (2-D, except for {@link Whole}) source tensor. */
    private sealed interface Transform permits Whole, RowBlock, RotaryRows, TransposedRowBlock {
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
    private record Job(String name, List<Long> shape, SourceTensor source, Transform transform) {}

    /** Source tensor names to the shapes params.json implies. */
    private static Map<String, List<Long>> expectedSources(MistralParams p) {
        long h = p.hiddenSize();
        long q = (long) p.numHeads() * p.headDim();
        long kv = (long) p.numKvHeads() * p.headDim();
        long stacked = (long) p.numExperts() * p.intermediateSize();
        Map<String, List<Long>> m = new LinkedHashMap<>();
        m.put(MistralWeightNames.tokEmbeddings(), List.of((long) p.vocabSize(), h));
        for (int l = 0; l < p.numLayers(); l++) {
            m.put(MistralWeightNames.attentionNorm(l), List.of(h));
            m.put(MistralWeightNames.wq(l), List.of(q, h));
            m.put(MistralWeightNames.wk(l), List.of(kv, h));
            m.put(MistralWeightNames.wv(l), List.of(kv, h));
            m.put(MistralWeightNames.wo(l), List.of(h, q));
            m.put(MistralWeightNames.ffnNorm(l), List.of(h));
            m.put(MistralWeightNames.gate(l), List.of((long) p.numExperts(), h));
            m.put(MistralWeightNames.w1(l), List.of(stacked, h));
            m.put(MistralWeightNames.w2(l), List.of(stacked, h));
            m.put(MistralWeightNames.w3(l), List.of(stacked, h));
        }
        m.put(MistralWeightNames.norm(), List.of(h));
        m.put(MistralWeightNames.output(), List.of((long) p.vocabSize(), h));
        return m;
    }

    /** Checks the sources against params.json and lists the output tensors in HF order. */
    private static List<Job> plan(MistralParams p, Sources sources) {
        Map<String, List<Long>> expected = expectedSources(p);
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
            if (!expected.containsKey(t.name()) && !MistralWeightNames.DERIVED.contains(t.name())) {
                throw new ConvertException(t.file() + ": unexpected tensor " + t.name() + " " + t.shape()
                        + " (not part of a Mixtral consolidated checkpoint with this params.json)");
            }
        }
        for (TorchZipReader r : sources.readers) {
            for (TorchZipReader.TorchTensor t : r.tensors()) {
                if (expected.containsKey(t.name())) r.requireContiguous(t);
            }
        }
        Map<String, SourceTensor> src = sources.tensors;
        long inter = p.intermediateSize();
        List<Job> jobs = new ArrayList<>();
        jobs.add(job(MixtralWeightNames.embedTokens(), src.get(MistralWeightNames.tokEmbeddings()), new Whole()));
        for (int l = 0; l < p.numLayers(); l++) {
            jobs.add(job(MixtralWeightNames.inputLayerNorm(l), src.get(MistralWeightNames.attentionNorm(l)), new Whole()));
            jobs.add(job(MixtralWeightNames.qProj(l), src.get(MistralWeightNames.wq(l)), new RotaryRows(p.headDim())));
            jobs.add(job(MixtralWeightNames.kProj(l), src.get(MistralWeightNames.wk(l)), new RotaryRows(p.headDim())));
            jobs.add(job(MixtralWeightNames.vProj(l), src.get(MistralWeightNames.wv(l)), new Whole()));
            jobs.add(job(MixtralWeightNames.oProj(l), src.get(MistralWeightNames.wo(l)), new Whole()));
            jobs.add(job(MixtralWeightNames.postAttentionLayerNorm(l), src.get(MistralWeightNames.ffnNorm(l)), new Whole()));
            jobs.add(job(MixtralWeightNames.router(l), src.get(MistralWeightNames.gate(l)), new Whole()));
            for (int e = 0; e < p.numExperts(); e++) {
                long first = e * inter;
                jobs.add(job(MixtralWeightNames.expertW1(l, e), src.get(MistralWeightNames.w1(l)), new RowBlock(first, inter)));
                jobs.add(job(MixtralWeightNames.expertW2(l, e), src.get(MistralWeightNames.w2(l)),
                        new TransposedRowBlock(first, inter)));
                jobs.add(job(MixtralWeightNames.expertW3(l, e), src.get(MistralWeightNames.w3(l)), new RowBlock(first, inter)));
            }
        }
        jobs.add(job(MixtralWeightNames.finalNorm(), src.get(MistralWeightNames.norm()), new Whole()));
        jobs.add(job(MixtralWeightNames.lmHead(), src.get(MistralWeightNames.output()), new Whole()));

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

    private static DType sourceDtype(List<Job> jobs) {
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

    private static String describe(Sources s) {
        return s.files.size() == 1 ? s.files.get(0).toString() : s.files.toString();
    }

    // ---- writing --------------------------------------------------------------------------------

    private static void writeWeights(Path target, List<Job> jobs, DType dtype, Progress progress) {
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        progress.start("convert", "tensors", jobs.size());
        for (Job j : jobs) {
            ByteSource data = out -> {
                j.transform().write(j.source(), dtype, out);
                progress.detail(j.name());
                progress.advance(1);
            };
            tensors.add(new SafetensorsWriter.Tensor(j.name(), dtype, j.shape(), data));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        SafetensorsWriter.write(target, metadata, tensors);
        progress.finish();
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
        try (InputStream in = src.open(offset)) {
            byte[] buf = new byte[(int) Math.min((long) CHUNK_ELEMS * from.elemBytes, numElems * from.elemBytes)];
            long left = numElems;
            while (left > 0) {
                int n = (int) Math.min(left, buf.length / from.elemBytes);
                int bytes = n * from.elemBytes;
                if (in.readNBytes(buf, 0, bytes) != bytes) throw new IOException("data ended early");
                writeConverted(buf, bytes, from, to, out);
                left -= n;
            }
        } catch (IOException e) {
            throw src.readFailure(e);
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

    private static void writeJson(Path file, ObjectNode json) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        pp.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        try {
            String text = JSON.writer(pp).writeValueAsString(json) + "\n";
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConvertException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new ConvertException(from + ": cannot copy to " + to + ": " + e.getMessage(), e);
        }
    }

    /** The tokenizer files present in {@code inputDir}; anything by those names that is not a file is refused. */
    private static List<Path> tokenizerFiles(Path inputDir) {
        List<Path> out = new ArrayList<>();
        for (String name : Tokenizer.FILES) {
            Path p = inputDir.resolve(name);
            if (!Files.exists(p)) continue;
            if (!Files.isRegularFile(p)) throw new ConvertException(p + ": not a regular file");
            out.add(p);
        }
        return out;
    }

    /** The written directory must read back as the model params.json describes. */
    private static void selfCheck(Path dir, MixtralConfig expected) {
        MixtralConfig written = MixtralConfigReader.read(dir.resolve("config.json"));
        if (!written.equals(expected)) {
            throw new IllegalStateException("written config.json reads back as " + written + ", expected " + expected);
        }
        MixtralCheckpointValidator.validate(Checkpoint.open(dir), written);
    }

    // ---- output directory -----------------------------------------------------------------------

}
