package org.tramontane.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.tramontane.convert.TorchTensor;
import org.tramontane.convert.TorchZipReader;

/**
 * The restricted unpickler behind {@code convert --from mistral}: the input is a torch.save archive's
 * data.pkl, packed as torch.save packs it beside two storages (data/0 of 16 floats, data/1 of 8), so
 * the whole reader runs on it: opcodes, the allowed globals, persistent ids, tensor rebuilds, storage
 * extents. A tensor that passes is read back.
 */
class TorchFuzzTest {
    private static final Path DIR = Contract.scratch("torch");
    private static final int[] STORAGE_FLOATS = {16, 8};

    @FuzzTest(maxDuration = "30s")
    void torchPickle(byte[] data) {
        Path file = DIR.resolve("consolidated.00.pt");
        pack(file, data);
        Contract.parsesOrRefuses(file, () -> {
            try (TorchZipReader r = TorchZipReader.open(file)) {
                for (TorchTensor t : r.tensors()) {
                    if (t.isContiguous()) r.readBytes(t);
                }
            }
        });
    }

    private static void pack(Path file, byte[] pickle) {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            entry(zip, "archive/data.pkl", pickle);
            entry(zip, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < STORAGE_FLOATS.length; i++) entry(zip, "archive/data/" + i, new byte[4 * STORAGE_FLOATS[i]]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }
}
