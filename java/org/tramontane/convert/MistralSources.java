package org.tramontane.convert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tramontane.config.DType;
import org.tramontane.weights.SafetensorsFile;
import org.tramontane.weights.TensorInfo;

/**
 * The weight files of a Mistral consolidated checkpoint, open for a conversion: {@value #SAFETENSORS_FILE}
 * when present, else every {@code consolidated.NN.pt} (read by {@link TorchZipReader}), their
 * tensors merged by name in file order. A name in two files is an error.
 */
final class MistralSources implements AutoCloseable {
    static final String SAFETENSORS_FILE = "consolidated.safetensors";
    private static final Pattern PT_FILE = Pattern.compile("consolidated\\.(\\d+)\\.pt");


    /** One input tensor, readable as a byte stream from any offset. */
    record SourceTensor(String name, DType dtype, List<Long> shape, Path file, Opener opener) {
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
    interface Opener {
        InputStream open(long offset) throws IOException;
    }

    final Map<String, SourceTensor> tensors = new LinkedHashMap<>();
    final List<TorchZipReader> readers = new ArrayList<>();
    final List<Path> files = new ArrayList<>();

    static MistralSources open(Path dir) {
        MistralSources s = new MistralSources();
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
        for (TorchTensor t : r.tensors()) {
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
